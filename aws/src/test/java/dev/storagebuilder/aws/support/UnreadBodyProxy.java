package dev.storagebuilder.aws.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A forwarder to an HTTP server that stops reading a matching request after its headers, as a
 * server or a network path that hangs mid-upload: the connection stays open, nothing is answered,
 * and the client's socket write blocks once the socket buffers are full (no socket option bounds a
 * write). Other requests pass through.
 */
public final class UnreadBodyProxy extends HttpForwarder {
  private final Predicate<String> stall;
  private final AtomicInteger stalled = new AtomicInteger();

  /** @param stall matches the request line ({@code PUT /bucket/key?partNumber=1&... HTTP/1.1}) */
  public UnreadBodyProxy(int targetPort, Predicate<String> stall) {
    super(targetPort, 4096); // a small window: the client's writes block after little of the body
    this.stall = stall;
    start("unread-body-proxy");
  }

  /** Requests whose body was left unread so far. */
  public int stalledRequests() {
    return stalled.get();
  }

  @Override
  protected void serve(Socket client, Socket server) {
    Thread.ofVirtual().start(() -> requests(client, server));
    Thread.ofVirtual().start(() -> answers(server, client));
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
}
