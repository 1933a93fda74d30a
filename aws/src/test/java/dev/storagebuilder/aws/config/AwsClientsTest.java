package dev.storagebuilder.aws.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.storagebuilder.aws.AwsErrors;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;

class AwsClientsTest {
  @Test
  void aDynamoDbCallAnsweredByATricklingServerFailsWithinItsCallTimeoutInsteadOfHangingForever()
      throws Exception {
    // A half-dead proxy or server: the headers, then a byte of body every second. Every read gets
    // a byte well within the socket timeout, so only a timeout on the whole call ends it.
    // The production timeouts (10 s an attempt, 35 s a call) are checked below; this waits out shorter ones.
    Duration attemptTimeout = Duration.ofSeconds(1);
    Duration callTimeout = Duration.ofSeconds(3);
    try (TricklingServer server = new TricklingServer();
        AwsClients clients = new AwsClients(settings(server.endpoint()), 2, attemptTimeout, callTimeout)) {
      CompletableFuture<Object> call =
          CompletableFuture.supplyAsync(() -> clients.dynamo().listTables());

      await()
          .atMost(callTimeout.plusSeconds(20))
          .pollInterval(Duration.ofMillis(200))
          .until(call::isDone);

      assertThat(call)
          .failsWithin(Duration.ZERO)
          .withThrowableOfType(ExecutionException.class)
          .havingCause()
          .isInstanceOfAny(ApiCallTimeoutException.class, ApiCallAttemptTimeoutException.class)
          .withMessageContaining("did not complete before the specified timeout")
          .satisfies(e -> assertThat(AwsErrors.isTransient(e)).isTrue());
    }
  }

  @Test
  void sqsAndDynamoDbCallsHaveCallAndAttemptTimeoutsAndSqsAttemptsOutlastTheLongPoll() {
    try (AwsClients clients = new AwsClients(settings(URI.create("http://127.0.0.1:9")), 1)) {
      var dynamo = clients.dynamo().serviceClientConfiguration().overrideConfiguration();
      var sqs = clients.sqs().serviceClientConfiguration().overrideConfiguration();

      assertThat(dynamo.apiCallTimeout()).contains(AwsClients.DYNAMODB_CALL_TIMEOUT);
      assertThat(dynamo.apiCallAttemptTimeout()).contains(AwsClients.DYNAMODB_ATTEMPT_TIMEOUT);
      assertThat(sqs.apiCallTimeout()).contains(AwsClients.SQS_CALL_TIMEOUT);
      assertThat(sqs.apiCallAttemptTimeout()).contains(AwsClients.SQS_ATTEMPT_TIMEOUT);
      // SQS's longest receive waits 20 s for messages: an attempt must outlast it.
      assertThat(AwsClients.SQS_ATTEMPT_TIMEOUT).isGreaterThan(Duration.ofSeconds(25));
    }
  }

  private static AwsSettings settings(URI endpoint) {
    return AwsSettings.builder()
        .region("us-east-1")
        .endpoints(endpoint, endpoint, endpoint)
        .credentials("test", "test")
        .build();
  }

  /** Answers every request with a 200 whose body never finishes arriving. */
  private static final class TricklingServer implements AutoCloseable {
    private final ServerSocket listener;
    private final ExecutorService connections = Executors.newVirtualThreadPerTaskExecutor();

    TricklingServer() throws IOException {
      listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      connections.submit(this::accept);
    }

    URI endpoint() {
      return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    private void accept() {
      while (!listener.isClosed()) {
        try {
          Socket socket = listener.accept();
          connections.submit(() -> trickle(socket));
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    private void trickle(Socket socket) {
      try (socket;
          InputStream in = socket.getInputStream();
          OutputStream out = socket.getOutputStream()) {
        in.read(new byte[64 * 1024]); // the request (its headers at least); its content is not needed
        out.write(
            ("HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
                    + "Content-Length: 100000\r\n\r\n{")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        while (!listener.isClosed()) {
          LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
          out.write(' ');
          out.flush();
        }
      } catch (IOException e) {
        // the client gave up
      }
    }

    @Override
    public void close() throws IOException {
      listener.close();
      connections.shutdownNow();
    }
  }
}
