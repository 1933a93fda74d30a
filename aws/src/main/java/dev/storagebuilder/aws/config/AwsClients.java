package dev.storagebuilder.aws.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The three synchronous SDK clients of a process, built once from {@link AwsSettings} and closed
 * together.
 *
 * <p>Each service gets its own Apache 5 connection pool of {@code maxConnections}, so S3 part
 * uploads can never starve SQS receives or DynamoDB commits of connections. Retries are the SDK's
 * STANDARD mode (3 attempts, exponential backoff with jitter, throttling-aware): callers add none
 * of their own for the same call (STYLE.md: one retry layer per concern).
 *
 * <p>SQS and DynamoDB calls also have an attempt and a call timeout: the socket timeout bounds one
 * read, not an answer that keeps trickling in, which held the caller's thread (a target's commit,
 * a heartbeat) for good.
 */
public final class AwsClients implements AutoCloseable {
  /** Covers the connections a worker needs per service: N targets, K parts each, plus polls. */
  public static final int DEFAULT_MAX_CONNECTIONS = 64;

  /** The largest connection pool of one service client. */
  public static final int MAX_CONNECTIONS = 1024;

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

  /** Above SQS's 20 s long poll, so a ReceiveMessage that waits the full poll never times out. */
  static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(35);

  /** How long a caller waits for a pooled connection before failing (pool exhausted). */
  static final Duration ACQUIRE_TIMEOUT = Duration.ofSeconds(30);

  static final Duration MAX_IDLE = Duration.ofSeconds(30);

  /**
   * A DynamoDB call takes milliseconds; an attempt that has not answered in this long is retried.
   * The socket timeout alone never ends an answer that trickles in a byte at a time.
   */
  static final Duration DYNAMODB_ATTEMPT_TIMEOUT = Duration.ofSeconds(10);

  /** The whole DynamoDB call, its 3 attempts and their backoff included. */
  static final Duration DYNAMODB_CALL_TIMEOUT = Duration.ofSeconds(35);

  /** Above SQS's 20 s long poll, like the socket timeout. */
  static final Duration SQS_ATTEMPT_TIMEOUT = Duration.ofSeconds(30);

  /** The whole SQS call, its 3 attempts and their backoff included. */
  static final Duration SQS_CALL_TIMEOUT = Duration.ofSeconds(95);

  private final AwsSettings settings;
  private final SdkHttpClient sqsHttp;
  private final SdkHttpClient s3Http;
  private final SdkHttpClient dynamoHttp;
  private final SqsClient sqs;
  private final S3Client s3;
  private final DynamoDbClient dynamo;

  public AwsClients(AwsSettings settings) {
    this(settings, DEFAULT_MAX_CONNECTIONS);
  }

  /**
   * @param maxConnections the connection pool size of each service client (1..1024); size it from
   *     the process's concurrency (for a worker: targets in flight x parts in flight + a few)
   */
  public AwsClients(AwsSettings settings, int maxConnections) {
    this(settings, maxConnections, DYNAMODB_ATTEMPT_TIMEOUT, DYNAMODB_CALL_TIMEOUT);
  }

  /** Tests: DynamoDB timeouts other than {@link #DYNAMODB_ATTEMPT_TIMEOUT} and {@link #DYNAMODB_CALL_TIMEOUT}. */
  AwsClients(AwsSettings settings, int maxConnections, Duration dynamoAttemptTimeout, Duration dynamoCallTimeout) {
    if (maxConnections < 1 || maxConnections > MAX_CONNECTIONS) {
      throw new IllegalArgumentException(
          "aws.maxConnections must be 1.." + MAX_CONNECTIONS + ", got " + maxConnections);
    }
    this.settings = settings;
    AwsCredentialsProvider credentials =
        settings.hasStaticCredentials()
            ? StaticCredentialsProvider.create(
                AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()))
            : DefaultCredentialsProvider.builder().build();
    Region region = Region.of(settings.region());
    ClientOverrideConfiguration overrides =
        ClientOverrideConfiguration.builder().retryStrategy(RetryMode.STANDARD).build();
    // S3 gets no client-wide call timeout: a part of up to 512 MiB, or a body read at a throttled
    // pace, takes as long as it takes; its calls are the ones the socket timeout and the breaker
    // watch. Uploads and reads carry an attempt timeout sized to their bytes (S3ObjectStore), since
    // no socket timeout ends a write the server stopped reading, or an answer that trickles in.
    ClientOverrideConfiguration sqsOverrides =
        overrides.toBuilder()
            .apiCallAttemptTimeout(SQS_ATTEMPT_TIMEOUT)
            .apiCallTimeout(SQS_CALL_TIMEOUT)
            .build();
    ClientOverrideConfiguration dynamoOverrides =
        overrides.toBuilder()
            .apiCallAttemptTimeout(dynamoAttemptTimeout)
            .apiCallTimeout(dynamoCallTimeout)
            .build();

    this.sqsHttp = httpClient(maxConnections);
    this.s3Http = httpClient(maxConnections);
    this.dynamoHttp = httpClient(maxConnections);
    this.sqs =
        configure(SqsClient.builder(), region, credentials, sqsOverrides, settings.sqsEndpoint())
            .httpClient(sqsHttp)
            .build();
    this.s3 =
        configure(S3Client.builder(), region, credentials, overrides, settings.s3Endpoint())
            .httpClient(s3Http)
            .forcePathStyle(settings.s3ForcePathStyle())
            .build();
    this.dynamo =
        configure(
                DynamoDbClient.builder(), region, credentials, dynamoOverrides, settings.dynamoEndpoint())
            .httpClient(dynamoHttp)
            .build();
  }

  public AwsSettings settings() {
    return settings;
  }

  public SqsClient sqs() {
    return sqs;
  }

  public S3Client s3() {
    return s3;
  }

  public DynamoDbClient dynamo() {
    return dynamo;
  }

  @Override
  public void close() {
    // Service clients do not close an http client that was handed to them; close both.
    sqs.close();
    s3.close();
    dynamo.close();
    sqsHttp.close();
    s3Http.close();
    dynamoHttp.close();
  }

  private static SdkHttpClient httpClient(int maxConnections) {
    return Apache5HttpClient.builder()
        .maxConnections(maxConnections)
        .connectionTimeout(CONNECT_TIMEOUT)
        .socketTimeout(SOCKET_TIMEOUT)
        .connectionAcquisitionTimeout(ACQUIRE_TIMEOUT)
        .connectionMaxIdleTime(MAX_IDLE)
        .tcpKeepAlive(true)
        .build();
  }

  private static <B extends AwsClientBuilder<B, ?>> B configure(
      B builder,
      Region region,
      AwsCredentialsProvider credentials,
      ClientOverrideConfiguration overrides,
      URI endpoint) {
    builder.region(region).credentialsProvider(credentials).overrideConfiguration(overrides);
    if (endpoint != null) {
      builder.endpointOverride(loopbackByAddress(endpoint));
    }
    return builder;
  }

  /**
   * {@code localhost} may resolve to {@code ::1} first while the emulators listen on IPv4 only, and
   * S3Proxy's signature check then sees another host: always talk to 127.0.0.1.
   */
  static URI loopbackByAddress(URI endpoint) {
    if (!"localhost".equalsIgnoreCase(endpoint.getHost())) {
      return endpoint;
    }
    try {
      return new URI(
          endpoint.getScheme(),
          endpoint.getUserInfo(),
          "127.0.0.1",
          endpoint.getPort(),
          endpoint.getPath(),
          endpoint.getQuery(),
          endpoint.getFragment());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("cannot rewrite endpoint " + endpoint, e);
    }
  }
}
