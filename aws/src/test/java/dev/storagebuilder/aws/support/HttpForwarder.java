package dev.storagebuilder.aws.support;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A forwarder on a loopback port to an HTTP server on another: each client connection gets its
 * own connection to the server, and the subclass decides what passes between them ({@link
 * #serve}). The test proxies that stand in for a misbehaving S3 or network path.
 */
public abstract class HttpForwarder implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  /** @param receiveBuffer the listener's receive buffer in bytes; 0 for the system's */
  protected HttpForwarder(int targetPort, int receiveBuffer) {
    this.targetPort = targetPort;
    try {
      listener = new ServerSocket();
      if (receiveBuffer > 0) {
        listener.setReceiveBufferSize(receiveBuffer);
      }
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts accepting; the last step of a subclass's constructor, once its own fields are set. */
  protected final void start(String name) {
    Thread.ofVirtual().name(name).start(this::accept);
  }

  public final URI endpoint() {
    return URI.create("http://127.0.0.1:" + listener.getLocalPort());
  }

  /** Clients of the stack {@code direct} names whose S3 calls go through this forwarder. */
  public final AwsClients s3ClientsThrough(AwsSettings direct) {
    return new AwsClients(
        direct.toBuilder().endpoints(direct.sqsEndpoint(), endpoint(), direct.dynamoEndpoint()).build(), 4);
  }

  /** Carries one client connection: typically one thread for its requests, one for the answers. */
  protected abstract void serve(Socket client, Socket server);

  protected final boolean isClosed() {
    return listener.isClosed();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        open.add(client);
        open.add(server);
        serve(client, server);
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  protected final void close(Socket socket) {
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
