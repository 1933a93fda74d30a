package dev.storagebuilder.emulators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ListMessageMoveTasksResultEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The three emulators through the real AWS SDK v2 clients, over HTTP. */
class EmbeddedAwsStackIT {

  private static final int MIB = 1024 * 1024;

  private static EmbeddedAwsStack stack;
  private static SqsClient sqs;
  private static S3Client s3;
  private static DynamoDbClient dynamo;

  @BeforeAll
  static void startStack() {
    long started = System.nanoTime();
    stack = EmbeddedAwsStack.builder().start();
    // a generous bound: it catches a start that waits on a timeout, without flaking on slow CI
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
    sqs = sqs(stack);
    s3 = s3(stack);
    dynamo = dynamo(stack);
  }

  @AfterAll
  static void stopStack() {
    sqs.close();
    s3.close();
    dynamo.close();
    stack.close();
  }

  @Test
  void endpointsAreLoopbackUrisWithDistinctPorts() {
    List<URI> endpoints = List.of(stack.sqsEndpoint(), stack.s3Endpoint(), stack.dynamoEndpoint());
    assertThat(endpoints).allSatisfy(uri -> assertThat(uri.getHost()).isEqualTo("127.0.0.1"));
    assertThat(endpoints).allSatisfy(uri -> assertThat(uri.getScheme()).isEqualTo("http"));
    assertThat(endpoints.stream().map(URI::getPort).distinct()).hasSize(3);
    assertThat(stack.region()).isEqualTo("us-east-1");
  }

  @Test
  void messageReceivedTwiceWithoutDeleteLandsInDeadLetterQueueAndMoveTaskBringsItBack() {
    String dlqUrl = sqs.createQueue(b -> b.queueName("redrive-it-dlq")).queueUrl();
    String dlqArn = queueArn(dlqUrl);
    String queueUrl =
        sqs.createQueue(
                b ->
                    b.queueName("redrive-it")
                        .attributes(
                            Map.of(
                                QueueAttributeName.VISIBILITY_TIMEOUT,
                                "1",
                                QueueAttributeName.REDRIVE_POLICY,
                                "{\"deadLetterTargetArn\":\""
                                    + dlqArn
                                    + "\",\"maxReceiveCount\":\"2\"}")))
            .queueUrl();
    assertThat(queueUrl).startsWith(stack.sqsEndpoint().toString());
    sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("target-42"));

    assertThat(receiveOne(queueUrl)).extracting(Message::body).isEqualTo("target-42");
    // visible again once the 1 s visibility timeout has run out
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () ->
                assertThat(receiveOne(queueUrl)).extracting(Message::body).isEqualTo("target-42"));
    // the third receive finds it over maxReceiveCount and moves it instead of delivering it
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              assertThat(receiveAll(queueUrl)).isEmpty();
              assertThat(approximateMessages(dlqUrl)).isEqualTo(1);
            });
    List<Message> inDlq =
        sqs.receiveMessage(b -> b.queueUrl(dlqUrl).visibilityTimeout(0).maxNumberOfMessages(10))
            .messages();
    assertThat(inDlq).extracting(Message::body).containsExactly("target-42");

    String taskHandle = sqs.startMessageMoveTask(b -> b.sourceArn(dlqArn)).taskHandle();
    assertThat(taskHandle).isNotBlank();
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () ->
                assertThat(sqs.listMessageMoveTasks(b -> b.sourceArn(dlqArn)).results())
                    .singleElement()
                    .satisfies(
                        task -> {
                          assertThat(task.status()).isEqualTo("COMPLETED");
                          assertThat(task.approximateNumberOfMessagesMoved()).isEqualTo(1L);
                        }));
    assertThat(sqs.listMessageMoveTasks(b -> b.sourceArn(dlqArn)).results())
        .extracting(ListMessageMoveTasksResultEntry::taskHandle)
        .containsExactly(taskHandle);

    assertThat(approximateMessages(dlqUrl)).isZero();
    Message back = receiveOne(queueUrl);
    assertThat(back.body()).isEqualTo("target-42");
    sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(back.receiptHandle()));
    assertThat(approximateMessages(queueUrl)).isZero();
  }

  @Test
  void multipartUploadOfTwoPartsReadsBackWholeAndByRange() {
    s3.createBucket(b -> b.bucket("multipart-it"));
    byte[] first = randomBytes(5 * MIB, 7L);
    byte[] last = "the small last part".getBytes(StandardCharsets.UTF_8);
    String key = "runs/r-1/targets/t-1/snapshot.bin";

    String uploadId = s3.createMultipartUpload(b -> b.bucket("multipart-it").key(key)).uploadId();
    UploadPartResponse part1 =
        s3.uploadPart(
            b -> b.bucket("multipart-it").key(key).uploadId(uploadId).partNumber(1),
            RequestBody.fromBytes(first));
    UploadPartResponse part2 =
        s3.uploadPart(
            b -> b.bucket("multipart-it").key(key).uploadId(uploadId).partNumber(2),
            RequestBody.fromBytes(last));
    s3.completeMultipartUpload(
        b ->
            b.bucket("multipart-it")
                .key(key)
                .uploadId(uploadId)
                .multipartUpload(
                    m ->
                        m.parts(
                            CompletedPart.builder().partNumber(1).eTag(part1.eTag()).build(),
                            CompletedPart.builder().partNumber(2).eTag(part2.eTag()).build())));

    byte[] whole = concat(first, last);
    assertThat(s3.headObject(b -> b.bucket("multipart-it").key(key)).contentLength())
        .isEqualTo(whole.length);
    assertThat(s3.getObjectAsBytes(b -> b.bucket("multipart-it").key(key)).asByteArray())
        .isEqualTo(whole);
    // a range across the part boundary
    int from = 5 * MIB - 6;
    int to = 5 * MIB + 9;
    byte[] range =
        s3.getObjectAsBytes(
                b -> b.bucket("multipart-it").key(key).range("bytes=" + from + "-" + to))
            .asByteArray();
    assertThat(range).isEqualTo(Arrays.copyOfRange(whole, from, to + 1));
  }

  @Test
  void dynamoConditionalPutFailsOnExistingItemAndAddAccumulatesAndQueryFindsByPrefix() {
    createLedgerTable(dynamo, "ledger-it");
    assertThat(dynamo.describeTable(b -> b.tableName("ledger-it")).table().tableStatus())
        .isEqualTo(TableStatus.ACTIVE);

    Map<String, AttributeValue> item =
        Map.of("pk", s("client-1"), "sk", s("run#0001"), "state", s("STARTED"));
    dynamo.putItem(
        b -> b.tableName("ledger-it").item(item).conditionExpression("attribute_not_exists(pk)"));
    assertThatThrownBy(
            () ->
                dynamo.putItem(
                    b ->
                        b.tableName("ledger-it")
                            .item(Map.of("pk", s("client-1"), "sk", s("run#0001")))
                            .conditionExpression("attribute_not_exists(pk)")))
        .isInstanceOf(ConditionalCheckFailedException.class);

    for (int i = 0; i < 2; i++) {
      dynamo.updateItem(
          b ->
              b.tableName("ledger-it")
                  .key(Map.of("pk", s("client-1"), "sk", s("run#0001")))
                  .updateExpression("ADD targetsDone :n")
                  .expressionAttributeValues(Map.of(":n", n("20"))));
    }
    Map<String, AttributeValue> updated =
        dynamo
            .updateItem(
                b ->
                    b.tableName("ledger-it")
                        .key(Map.of("pk", s("client-1"), "sk", s("run#0001")))
                        .updateExpression("ADD targetsDone :n")
                        .expressionAttributeValues(Map.of(":n", n("2")))
                        .returnValues(ReturnValue.ALL_NEW))
            .attributes();
    assertThat(updated.get("targetsDone").n()).isEqualTo("42");
    assertThat(updated.get("state").s()).isEqualTo("STARTED");

    dynamo.putItem(
        b -> b.tableName("ledger-it").item(Map.of("pk", s("client-1"), "sk", s("run#0002"))));
    dynamo.putItem(
        b -> b.tableName("ledger-it").item(Map.of("pk", s("client-1"), "sk", s("target#a"))));
    dynamo.putItem(
        b -> b.tableName("ledger-it").item(Map.of("pk", s("client-2"), "sk", s("run#0003"))));
    QueryResponse runs =
        dynamo.query(
            b ->
                b.tableName("ledger-it")
                    .keyConditionExpression("pk = :pk AND begins_with(sk, :prefix)")
                    .expressionAttributeValues(Map.of(":pk", s("client-1"), ":prefix", s("run#")))
                    .consistentRead(true));
    assertThat(runs.items())
        .extracting(i -> i.get("sk").s())
        .containsExactly("run#0001", "run#0002");
    assertThat(runs.items().get(0).get("targetsDone").n()).isEqualTo("42");
  }

  @Test
  void statefulStackKeepsS3ObjectAndDynamoItemAcrossRestartOnTheSameStateDir(
      @TempDir Path stateDir) {
    byte[] content = randomBytes(64 * 1024, 11L);
    URI firstDynamoEndpoint;
    try (EmbeddedAwsStack first = EmbeddedAwsStack.builder().stateDir(stateDir).start();
        S3Client firstS3 = s3(first);
        DynamoDbClient firstDynamo = dynamo(first)) {
      firstS3.createBucket(b -> b.bucket("state-it"));
      firstS3.putObject(
          b -> b.bucket("state-it").key("manifest.json"), RequestBody.fromBytes(content));
      createLedgerTable(firstDynamo, "state-it");
      firstDynamo.putItem(
          b ->
              b.tableName("state-it")
                  .item(Map.of("pk", s("client-1"), "sk", s("watermark"), "version", n("7"))));
      firstDynamoEndpoint = first.dynamoEndpoint();
    }
    assertThat(isListening(firstDynamoEndpoint)).as("dynalite stopped on close").isFalse();

    long restarted = System.nanoTime();
    try (EmbeddedAwsStack second = EmbeddedAwsStack.builder().stateDir(stateDir).start();
        S3Client secondS3 = s3(second);
        DynamoDbClient secondDynamo = dynamo(second)) {
      assertThat(Duration.ofNanos(System.nanoTime() - restarted))
          .isLessThan(Duration.ofSeconds(15));
      assertThat(
              secondS3
                  .getObjectAsBytes(b -> b.bucket("state-it").key("manifest.json"))
                  .asByteArray())
          .isEqualTo(content);
      Map<String, AttributeValue> item =
          secondDynamo
              .getItem(
                  b ->
                      b.tableName("state-it")
                          .key(Map.of("pk", s("client-1"), "sk", s("watermark")))
                          .consistentRead(true))
              .item();
      assertThat(item.get("version").n()).isEqualTo("7");
    }
  }

  @Test
  void aSecondStackOnAStateDirInUseIsRefusedAndTheFirstKeepsWorking(@TempDir Path stateDir) {
    try (EmbeddedAwsStack first = EmbeddedAwsStack.builder().stateDir(stateDir).start();
        DynamoDbClient firstDynamo = dynamo(first)) {
      createLedgerTable(firstDynamo, "in-use");

      // e.g. ./sb snapshot cat on the state of a sync still running: two dynalites on one LevelDB
      assertThatThrownBy(() -> EmbeddedAwsStack.builder().stateDir(stateDir).start().close())
          .isInstanceOf(EmulatorStartException.class)
          .hasMessageContaining(stateDir.toAbsolutePath().toString())
          .hasMessageContaining("in use by another embedded stack");

      assertThat(firstDynamo.listTables().tableNames()).containsExactly("in-use");
    }
    try (EmbeddedAwsStack again = EmbeddedAwsStack.builder().stateDir(stateDir).start();
        DynamoDbClient dynamo = dynamo(again)) {
      assertThat(dynamo.listTables().tableNames())
          .as("free again once closed")
          .containsExactly("in-use");
    }
  }

  @Test
  void aStateDirWhoseDynamoDatabaseCannotBeOpenedIsRefusedAtStartAndUsableOnceItIsMovedAway(
      @TempDir Path stateDir) throws IOException {
    // what a LevelDB killed mid-write or written on a full disk can look like: a CURRENT that
    // names a manifest that is not there
    Path dynamoDir = Files.createDirectories(stateDir.resolve("dynamodb"));
    Files.writeString(dynamoDir.resolve("CURRENT"), "MANIFEST-000099\n");

    // dynalite listens before it opens its database: without a check at start the stack came up
    // and its first DynamoDB call met "Connection refused" after the SDK's retries
    assertThatThrownBy(() -> EmbeddedAwsStack.builder().stateDir(stateDir).start().close())
        .isInstanceOf(EmulatorStartException.class)
        .hasMessageContaining("could not open its database in " + dynamoDir.toAbsolutePath())
        // dynalite's own crash, "Database is not open" or "Iterator is not open" by timing
        .hasMessageContaining("ModuleError");

    // nothing of the failed start holds the directory: with the database moved away it starts
    Files.move(dynamoDir, stateDir.resolve("dynamodb.broken"));
    try (EmbeddedAwsStack again = EmbeddedAwsStack.builder().stateDir(stateDir).start();
        DynamoDbClient dynamo = dynamo(again)) {
      createLedgerTable(dynamo, "fresh");
      assertThat(dynamo.listTables().tableNames()).containsExactly("fresh");
    }
  }

  @Test
  void aStateDirThatCannotBeADirectoryIsRefusedSayingWhy(@TempDir Path parent) throws IOException {
    // a typo'd --state-dir naming a file; an unwritable one fails the same way (AccessDenied)
    Path file = Files.writeString(parent.resolve("state"), "not a directory");

    // the message was "could not prepare the emulators' state directory: <path>": the JDK's
    // FileSystemException messages are the bare path, without the reason
    assertThatThrownBy(() -> EmbeddedAwsStack.builder().stateDir(file).start().close())
        .isInstanceOf(EmulatorStartException.class)
        .hasMessageContaining(file.toAbsolutePath().toString())
        .hasMessageContaining("exists and is not a directory");
  }

  @Test
  void dynaliteDyingWhileTheStackIsUpIsAWarningWithItsExitCode() {
    Logger logger = (Logger) LoggerFactory.getLogger(DynaliteProcess.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    try (EmbeddedAwsStack other = EmbeddedAwsStack.builder().start()) {
      ProcessHandle node =
          ProcessHandle.current()
              .children()
              .filter(p -> p.info().commandLine().orElse("").contains(dynalitePort(other)))
              .findFirst()
              .orElseThrow();

      // the OOM killer, or a crash inside dynalite: calls then met "Connection refused" after the
      // SDK's retries, and why was in debug lines only
      node.destroyForcibly();

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(logged.list)
                      .filteredOn(e -> e.getLevel() == Level.WARN)
                      .extracting(ILoggingEvent::getFormattedMessage)
                      .singleElement(InstanceOfAssertFactories.STRING)
                      .contains("exited while the stack was up")
                      .contains(other.dynamoEndpoint().toString())
                      .contains("exit code 137"));
    } finally {
      logger.detachAppender(logged);
    }
    assertThat(logged.list)
        .as("a stack's own close is no warning")
        .filteredOn(e -> e.getLevel() == Level.WARN)
        .hasSize(1);
  }

  private static String dynalitePort(EmbeddedAwsStack stack) {
    return "--port " + stack.dynamoEndpoint().getPort();
  }

  @Test
  void closeStopsAllThreeEmulatorsPromptlyEvenWithClientConnectionsOpen() {
    EmbeddedAwsStack other = EmbeddedAwsStack.builder().start();
    List<URI> endpoints = List.of(other.sqsEndpoint(), other.s3Endpoint(), other.dynamoEndpoint());
    try (SqsClient otherSqs = sqs(other);
        S3Client otherS3 = s3(other);
        DynamoDbClient otherDynamo = dynamo(other)) {
      // leaves a keep-alive connection open to each emulator
      assertThat(otherSqs.listQueues().queueUrls()).isEmpty();
      assertThat(otherS3.listBuckets().buckets()).isEmpty();
      assertThat(otherDynamo.listTables().tableNames()).isEmpty();
      assertThat(endpoints).allSatisfy(uri -> assertThat(isListening(uri)).isTrue());

      long closing = System.nanoTime();
      other.close();
      other.close(); // idempotent
      assertThat(Duration.ofNanos(System.nanoTime() - closing)).isLessThan(Duration.ofSeconds(1));
    }
    assertThat(endpoints).allSatisfy(uri -> assertThat(isListening(uri)).isFalse());
  }

  private static Message receiveOne(String queueUrl) {
    List<Message> messages = receiveAll(queueUrl);
    assertThat(messages).hasSize(1);
    return messages.get(0);
  }

  private static List<Message> receiveAll(String queueUrl) {
    return sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)).messages();
  }

  private static String queueArn(String queueUrl) {
    return sqs.getQueueAttributes(
            b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
        .attributes()
        .get(QueueAttributeName.QUEUE_ARN);
  }

  private static int approximateMessages(String queueUrl) {
    return Integer.parseInt(
        sqs.getQueueAttributes(
                b ->
                    b.queueUrl(queueUrl)
                        .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
            .attributes()
            .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
  }

  private static void createLedgerTable(DynamoDbClient client, String table) {
    client.createTable(
        b ->
            b.tableName(table)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                    AttributeDefinition.builder()
                        .attributeName("pk")
                        .attributeType(ScalarAttributeType.S)
                        .build(),
                    AttributeDefinition.builder()
                        .attributeName("sk")
                        .attributeType(ScalarAttributeType.S)
                        .build())
                .keySchema(
                    KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
                    KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build()));
    // dynalite answers CreateTable with CREATING and flips to ACTIVE asynchronously; with an
    // on-disk state dir that flip can lag the next request, which then sees no table at all.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> client.describeTable(b -> b.tableName(table)).table().tableStatus(),
            status -> status == TableStatus.ACTIVE);
  }

  private static boolean isListening(URI endpoint) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static SqsClient sqs(EmbeddedAwsStack stack) {
    return SqsClient.builder()
        .endpointOverride(stack.sqsEndpoint())
        .region(Region.of(stack.region()))
        .credentialsProvider(credentials(stack))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  private static S3Client s3(EmbeddedAwsStack stack) {
    return S3Client.builder()
        .endpointOverride(stack.s3Endpoint())
        .region(Region.of(stack.region()))
        .credentialsProvider(credentials(stack))
        .forcePathStyle(true)
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  private static DynamoDbClient dynamo(EmbeddedAwsStack stack) {
    return DynamoDbClient.builder()
        .endpointOverride(stack.dynamoEndpoint())
        .region(Region.of(stack.region()))
        .credentialsProvider(credentials(stack))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  private static StaticCredentialsProvider credentials(EmbeddedAwsStack stack) {
    return StaticCredentialsProvider.create(
        AwsBasicCredentials.create(stack.accessKey(), stack.secretKey()));
  }

  private static AttributeValue s(String value) {
    return AttributeValue.fromS(value);
  }

  private static AttributeValue n(String value) {
    return AttributeValue.fromN(value);
  }

  private static byte[] randomBytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
