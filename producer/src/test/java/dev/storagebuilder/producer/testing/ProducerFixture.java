package dev.storagebuilder.producer.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.dynamo.DynamoRunLedger;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.aws.dynamo.LedgerTables;
import dev.storagebuilder.aws.sqs.QueueProvisioner;
import dev.storagebuilder.common.json.Json;
import dev.storagebuilder.common.message.InvalidMessageException;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.emulators.EmbeddedAwsStack;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A producer on a real embedded AWS stack and an H2 source: one stack per JVM (it takes seconds to
 * start), queues, tables and database per fixture (they take milliseconds), so test classes never
 * see each other's messages.
 */
public final class ProducerFixture implements AutoCloseable {
  /** The read-write token every fixture's producer accepts; {@link #get}/{@link #post} send it. */
  public static final String ADMIN_TOKEN = "test-admin-token-0123456789";

  /** A second read-write token: rotation means both are valid at once. */
  public static final String ROTATED_ADMIN_TOKEN = "test-admin-token-rotated-98765";

  public static final String READ_ONLY_TOKEN = "test-read-only-token-0123456789";

  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static EmbeddedAwsStack stack;

  public final AwsSettings aws;
  public final AwsClients clients;
  public final QueueProvisioner.QueueUrls queues;
  public final DynamoRunLedger ledger;
  public final DynamoVersionLedger versions;
  public final String jdbcUrl;
  private final Connection keepAlive;
  private final Map<String, Object> properties = new HashMap<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private EmbeddedServer server;

  public ProducerFixture(String name, int clientCount) {
    EmbeddedAwsStack local = stack();
    String unique =
        name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "-")
            + "-"
            + SEQUENCE.incrementAndGet();
    aws =
        AwsSettings.builder()
            .region(local.region())
            .endpoints(local.sqsEndpoint(), local.s3Endpoint(), local.dynamoEndpoint())
            .credentials(local.accessKey(), local.secretKey())
            .queueName("sb-p-" + unique)
            .dlqName("sb-p-" + unique + "-dlq")
            .versionsTable("sb-p-versions-" + unique)
            .runsTable("sb-p-runs-" + unique)
            .build();
    clients = new AwsClients(aws, 16);
    queues = QueueProvisioner.ensureQueues(clients.sqs(), aws.queueName(), aws.dlqName(), 3, 30);
    LedgerTables.ensure(clients.dynamo(), aws);
    ledger = new DynamoRunLedger(clients.dynamo(), aws.runsTable());
    versions = new DynamoVersionLedger(clients.dynamo(), aws.versionsTable());

    jdbcUrl = "jdbc:h2:mem:" + unique.replace('-', '_') + ";DB_CLOSE_DELAY=-1";
    try {
      keepAlive = DriverManager.getConnection(jdbcUrl, "sa", "");
      try (Statement statement = keepAlive.createStatement()) {
        statement.execute(
            "CREATE TABLE clients (client_id VARCHAR(64) PRIMARY KEY, name VARCHAR(200))");
      }
      try (PreparedStatement insert =
          keepAlive.prepareStatement("INSERT INTO clients VALUES (?, ?)")) {
        for (int i = 1; i <= clientCount; i++) {
          insert.setString(1, clientId(i));
          insert.setString(2, "Client " + i);
          insert.addBatch();
        }
        insert.executeBatch();
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }

    properties.put("micronaut.server.port", -1);
    properties.put("storage-builder.api-tokens", ADMIN_TOKEN + "," + ROTATED_ADMIN_TOKEN);
    properties.put("storage-builder.readonly-tokens", READ_ONLY_TOKEN);
    properties.put("storage-builder.source.jdbc-url", jdbcUrl);
    properties.put("storage-builder.source.username", "sa");
    properties.put("storage-builder.source.password", "");
    properties.put("storage-builder.aws.region", aws.region());
    properties.put("storage-builder.aws.sqs-endpoint", aws.sqsEndpoint().toString());
    properties.put("storage-builder.aws.s3-endpoint", aws.s3Endpoint().toString());
    properties.put("storage-builder.aws.dynamodb-endpoint", aws.dynamoEndpoint().toString());
    properties.put("storage-builder.aws.access-key", aws.accessKey());
    properties.put("storage-builder.aws.secret-key", aws.secretKey());
    properties.put("storage-builder.aws.queue", aws.queueName());
    properties.put("storage-builder.aws.dlq", aws.dlqName());
    properties.put("storage-builder.aws.versions-table", aws.versionsTable());
    properties.put("storage-builder.aws.runs-table", aws.runsTable());
  }

  /** Client ids sort in creation order: c0001, c0002, ... */
  public static String clientId(int i) {
    return String.format("c%04d", i);
  }

  public ProducerFixture with(String property, Object value) {
    properties.put(property, value);
    return this;
  }

  public ProducerFixture start() {
    server = ApplicationContext.run(EmbeddedServer.class, properties);
    return this;
  }

  public ApplicationContext context() {
    return server.getApplicationContext();
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getPort() + path);
  }

  public Response get(String path) {
    return get(path, ADMIN_TOKEN);
  }

  /** A GET with {@code token} as bearer token, or none when null. */
  public Response get(String path, String token) {
    return send(authorized(HttpRequest.newBuilder(uri(path)).GET(), token));
  }

  public Response post(String path, String json) {
    return post(path, json, ADMIN_TOKEN);
  }

  /** A POST with {@code token} as bearer token, or none when null. */
  public Response post(String path, String json, String token) {
    return send(
        authorized(HttpRequest.newBuilder(uri(path)), token)
            .header("Content-Type", "application/json")
            .POST(
                json == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(json)));
  }

  /** A POST of {@code body} as it is, sent as {@code contentType} (as curl -d sends a form). */
  public Response post(String path, String body, String token, String contentType) {
    return send(
        authorized(HttpRequest.newBuilder(uri(path)), token)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static HttpRequest.Builder authorized(HttpRequest.Builder request, String token) {
    return token == null ? request : request.header("Authorization", "Bearer " + token);
  }

  private Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          http.send(
              request.timeout(Duration.ofSeconds(60)).build(),
              HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An HTTP answer; {@link #json()} parses the body. */
  public record Response(int status, String body) {
    public JsonNode json() {
      try {
        return Json.mapper().readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + body, e);
      }
    }

    public String error() {
      JsonNode error = json().get("error");
      assertThat(error).as("error field in %s", body).isNotNull();
      return error.asText();
    }
  }

  /** Receives and deletes every message on the work queue (until a receive comes back empty). */
  public List<TargetMessage> drainWorkQueue() {
    return decode(drain(queues.queueUrl()));
  }

  public List<Message> drain(String queueUrl) {
    SqsClient sqs = clients.sqs();
    List<Message> all = new ArrayList<>();
    while (true) {
      List<Message> batch =
          sqs.receiveMessage(
                  b ->
                      b.queueUrl(queueUrl)
                          .maxNumberOfMessages(10)
                          .waitTimeSeconds(0)
                          .visibilityTimeout(60)
                          .messageAttributeNames("All"))
              .messages();
      if (batch.isEmpty()) {
        return all;
      }
      all.addAll(batch);
      sqs.deleteMessageBatch(
          b ->
              b.queueUrl(queueUrl)
                  .entries(
                      batch.stream()
                          .map(
                              m ->
                                  software.amazon.awssdk.services.sqs.model
                                      .DeleteMessageBatchRequestEntry.builder()
                                      .id(Integer.toString(batch.indexOf(m)))
                                      .receiptHandle(m.receiptHandle())
                                      .build())
                          .toList()));
    }
  }

  public static List<TargetMessage> decode(List<Message> messages) {
    List<TargetMessage> decoded = new ArrayList<>();
    for (Message message : messages) {
      try {
        decoded.add(TargetMessageCodec.decode(message.body()));
      } catch (InvalidMessageException e) {
        throw new AssertionError("not a target message: " + message.body(), e);
      }
    }
    return decoded;
  }

  /** SQS's ApproximateNumberOfMessages (visible) of a queue. */
  public long visibleMessages(String queueUrl) {
    return Long.parseLong(
        clients
            .sqs()
            .getQueueAttributes(
                b ->
                    b.queueUrl(queueUrl)
                        .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
            .attributes()
            .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
    clients.close();
    try {
      keepAlive.close();
    } catch (SQLException e) {
      // the in-memory database goes with the JVM
    }
  }

  private static synchronized EmbeddedAwsStack stack() {
    if (stack == null) {
      stack = EmbeddedAwsStack.builder().start();
    }
    return stack;
  }
}
