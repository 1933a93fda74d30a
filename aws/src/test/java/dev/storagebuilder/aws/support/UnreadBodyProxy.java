package dev.storagebuilder.aws.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A forwarder to an HTTP server that stops reading a matching request after its headers, as a
 * server or a network path that hangs mid-upload: the connection stays open, nothing is answered,
 * and the client's socket write blocks once the socket buffers are full (no socket option bounds a
 * write). Other requests pass through.
 */
public final class UnreadBodyProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final Predicate<String> stall;
  private final AtomicInteger stalled = new AtomicInteger();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  /** @param stall matches the request line ({@code PUT /bucket/key?partNumber=1&... HTTP/1.1}) */
  public UnreadBodyProxy(int targetPort, Predicate<String> stall) {
    this.targetPort = targetPort;
    this.stall = stall;
    try {
      listener = new ServerSocket();
      // A small window: the client's writes block after little of the body.
      listener.setReceiveBufferSize(4096);
      listener.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread.ofVirtual().name("unread-body-proxy").start(this::accept);
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + listener.getLocalPort());
  }

  /** Requests whose body was left unread so far. */
  public int stalledRequests() {
    return stalled.get();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        open.add(client);
        open.add(server);
        Thread.ofVirtual().start(() -> requests(client, server));
        Thread.ofVirtual().start(() -> answers(server, client));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void requests(Socket client, Socket server) {
    try {
      // Not in try-with-resources: closing a socket's stream closes the socket, and a stalled
      // request's connection is to stay open.
      InputStream in = client.getInputStream();
      OutputStream out = server.getOutputStream();
      byte[] head;
      while ((head = HttpRequests.readHead(in)) != null) {
        if (stall.test(HttpRequests.requestLine(head))) {
          stalled.incrementAndGet();
          return; // open until the client gives up or close()
        }
        out.write(head);
        HttpRequests.copy(in, out, HttpRequests.contentLength(head));
        out.flush();
      }
    } catch (IOException e) {
      // one side went away
    }
    close(client);
    close(server);
  }

  private void answers(Socket server, Socket client) {
    byte[] buffer = new byte[64 * 1024];
    try {
      InputStream in = server.getInputStream();
      OutputStream out = client.getOutputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side went away
    }
  }



  private void close(Socket socket) {
    open.remove(socket);
    try {
      socket.close();
    } catch (IOException e) {
      // closed already
    }
  }

  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException e) {
      // closing anyway
    }
    open.forEach(this::close);
  }
}
