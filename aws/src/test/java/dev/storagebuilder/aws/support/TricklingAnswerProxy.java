package dev.storagebuilder.aws.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * A forwarder to an HTTP server that passes the answer to a matching request on one byte every
 * {@code 100 ms}, as a half-dead server or path does: every read of the client gets a byte well
 * within any socket timeout, so only a timeout on the whole attempt ends the call.
 */
public final class TricklingAnswerProxy extends HttpForwarder {
  private static final long BYTE_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Predicate<String> trickle;
  private final int fastBytes;
  private final AtomicInteger trickled = new AtomicInteger();

  /** @param trickle matches the request line ({@code GET /bucket/key HTTP/1.1}) */
  public TricklingAnswerProxy(int targetPort, Predicate<String> trickle) {
    this(targetPort, trickle, 0);
  }

  /**
   * @param fastBytes the first bytes of a slow connection's answers that still pass at once (the
   *     status line, the headers and the start of the body: a path that slows down mid-body)
   */
  public TricklingAnswerProxy(int targetPort, Predicate<String> trickle, int fastBytes) {
    super(targetPort, 0);
    this.trickle = trickle;
    this.fastBytes = fastBytes;
    start("trickling-answer-proxy");
  }

  /** Requests whose answer was trickled so far. */
  public int trickledAnswers() {
    return trickled.get();
  }

  @Override
  protected void serve(Socket client, Socket server) {
    AtomicBoolean trickleAnswers = new AtomicBoolean();
    Thread.ofVirtual().start(() -> requests(client, server, trickleAnswers));
    Thread.ofVirtual().start(() -> answers(server, client, trickleAnswers));
  }

  private void requests(Socket client, Socket server, AtomicBoolean trickleAnswers) {
    try {
      InputStream in = client.getInputStream();
      OutputStream out = server.getOutputStream();
      byte[] head;
      while ((head = HttpRequests.readHead(in)) != null) {
        if (trickle.test(HttpRequests.requestLine(head))) {
          trickled.incrementAndGet();
          trickleAnswers.set(true); // the connection's answers stay slow from here on
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

  private void answers(Socket server, Socket client, AtomicBoolean trickleAnswers) {
    byte[] buffer = new byte[64 * 1024];
    try {
      InputStream in = server.getInputStream();
      OutputStream out = client.getOutputStream();
      int n;
      long passed = 0;
      while ((n = in.read(buffer)) >= 0) {
        if (!trickleAnswers.get()) {
          out.write(buffer, 0, n);
          out.flush();
          continue;
        }
        int fast = (int) Math.max(0, Math.min(n, fastBytes - passed));
        out.write(buffer, 0, fast);
        out.flush();
        passed += fast;
        for (int i = fast; i < n && !isClosed(); i++) {
          out.write(buffer[i]);
          out.flush();
          LockSupport.parkNanos(BYTE_EVERY_NANOS);
        }
      }
    } catch (IOException e) {
      // one side went away
    }
    close(client);
    close(server);
  }
}
