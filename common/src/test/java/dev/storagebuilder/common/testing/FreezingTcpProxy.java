package dev.storagebuilder.common.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Forwards TCP to a local port until frozen; then holds every byte and every new connection, as a
 * network partition or a frozen host does: no reset ever arrives, a read waits for good.
 */
public final class FreezingTcpProxy implements AutoCloseable {
  private final int target;
  private final CountDownLatch thawed = new CountDownLatch(1);
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicLong fromTarget = new AtomicLong();
  private final AtomicInteger held = new AtomicInteger();
  private volatile long freezeAfter = Long.MAX_VALUE;
  private volatile boolean frozen;
  private final ServerSocket server;

  /** Listens on an ephemeral loopback port and forwards to {@code target} on loopback. */
  public FreezingTcpProxy(int target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(() -> {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          sockets.add(client);
          Thread.ofVirtual().start(() -> connect(client));
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  public int port() {
    return server.getLocalPort();
  }

  public void freeze() {
    frozen = true;
  }

  /**
   * Freezes once {@code bytes} have come from the target, over all connections: mid-result-set for
   * a read far larger than the queries before it, wherever the reading code is.
   */
  public void freezeAfter(long bytes) {
    freezeAfter = bytes;
  }

  public boolean isFrozen() {
    return frozen;
  }

  /**
   * New connections accepted while frozen, each held unanswered: a driver's cancel request or
   * reconnect attempt reaching the frozen source.
   */
  public int heldConnections() {
    return held.get();
  }

  private void connect(Socket client) {
    try {
      if (frozen) {
        held.incrementAndGet();
      }
      holdWhileFrozen();
      Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
      sockets.add(upstream);
      Thread.ofVirtual().start(() -> pump(client, upstream, false));
      pump(upstream, client, true);
    } catch (IOException | InterruptedException e) {
      // closed
    }
  }

  private void pump(Socket from, Socket to, boolean fromTheTarget) {
    byte[] buffer = new byte[8192];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (fromTheTarget && fromTarget.addAndGet(n) >= freezeAfter) {
          frozen = true;
        }
        holdWhileFrozen();
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // closed
    }
  }

  private void holdWhileFrozen() throws InterruptedException {
    if (frozen) {
      thawed.await();
    }
  }

  /** Thaws and closes every connection. */
  @Override
  public void close() {
    thawed.countDown();
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket socket : sockets) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
