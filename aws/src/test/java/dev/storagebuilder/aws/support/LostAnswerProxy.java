package dev.storagebuilder.aws.support;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A forwarder to an HTTP server that loses one answer: the first request whose request line
 * matches reaches the server and is carried out there, but the client's connection is closed as
 * the answer comes back, before any of it is forwarded, as when a response is lost on the way. Each
 * later matching request (the client's retry) gets {@code laterAnswer} from the proxy itself, if
 * one is given, else reaches the server.
 */
public final class LostAnswerProxy extends HttpForwarder {
  private final Predicate<String> lose;
  private final byte[] laterAnswer;
  private final Runnable beforeLaterAnswer;
  private final AtomicBoolean lost = new AtomicBoolean();
  private final AtomicInteger matchingRequests = new AtomicInteger();

  /**
   * @param lose matches the request line ({@code POST /bucket/key?uploadId=... HTTP/1.1}) of the
   *     request whose answer is lost, the first time only
   * @param laterAnswer a whole HTTP response for later matching requests, or null to forward them
   */
  public LostAnswerProxy(int targetPort, Predicate<String> lose, String laterAnswer) {
    this(targetPort, lose, laterAnswer, () -> {});
  }

  /**
   * @param beforeLaterAnswer runs before {@code laterAnswer} is given (what happened on the server
   *     in the meantime)
   */
  public LostAnswerProxy(
      int targetPort, Predicate<String> lose, String laterAnswer, Runnable beforeLaterAnswer) {
    super(targetPort, 0);
    this.beforeLaterAnswer = beforeLaterAnswer;
    this.lose = lose;
    this.laterAnswer = laterAnswer == null ? null : laterAnswer.getBytes(StandardCharsets.UTF_8);
    start("lost-answer-proxy");
  }

  /** An S3 error answer with {@code Connection: close}. */
  public static String s3Error(int status, String reason, String code, String message) {
    String body =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
            + code
            + "</Code><Message>"
            + message
            + "</Message></Error>";
    return "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/xml\r\n"
        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length
        + "\r\nConnection: close\r\n\r\n" + body;
  }

  /** Whether an answer was lost so far. */
  public boolean lostAnAnswer() {
    return lost.get();
  }

  /** Requests that matched, the one whose answer was lost included. */
  public int matchingRequests() {
    return matchingRequests.get();
  }

  @Override
  protected void serve(Socket client, Socket server) {
    AtomicBoolean loseNextAnswer = new AtomicBoolean();
    Thread.ofVirtual().start(() -> requests(client, server, loseNextAnswer));
    Thread.ofVirtual().start(() -> answers(server, client, loseNextAnswer));
  }

  private void requests(Socket client, Socket server, AtomicBoolean loseNextAnswer) {
    try (InputStream in = client.getInputStream(); OutputStream out = server.getOutputStream()) {
      byte[] head;
      while ((head = HttpRequests.readHead(in)) != null) {
        String requestLine = HttpRequests.requestLine(head);
        long bodyLength = HttpRequests.contentLength(head);
        if (lose.test(requestLine)) {
          matchingRequests.incrementAndGet();
          if (lost.compareAndSet(false, true)) {
            loseNextAnswer.set(true); // before the request can reach the server
          } else if (laterAnswer != null) {
            in.skipNBytes(bodyLength);
            beforeLaterAnswer.run();
            OutputStream toClient = client.getOutputStream();
            toClient.write(laterAnswer);
            toClient.flush();
            return;
          }
        }
        out.write(head);
        HttpRequests.copy(in, out, bodyLength);
        out.flush();
      }
    } catch (IOException e) {
      // one side went away
    } finally {
      close(client);
      close(server);
    }
  }

  private void answers(Socket server, Socket client, AtomicBoolean loseNextAnswer) {
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (loseNextAnswer.get()) {
          // The whole answer before the client's connection goes, not its first bytes: S3Proxy sends
          // a completion's status line and first chunk before it has completed the upload, and a
          // retry cut in that early raced the completion itself (the test failed under load).
          HttpRequests.skipResponse(new SequenceInputStream(new ByteArrayInputStream(buffer, 0, n), in));
          return; // the server carried the request out; the client never hears of it
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side went away
    } finally {
      close(client);
      close(server);
    }
  }
}
