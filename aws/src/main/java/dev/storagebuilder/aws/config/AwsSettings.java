package dev.storagebuilder.aws.config;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the fleet's AWS resources are and how to reach them. Immutable and checked on construction;
 * every rejection names the setting as spelled after {@code storage-builder.} ({@code aws.bucket
 * must be ...}, {@code aws.snapshot-prefix ...}), not the field.
 *
 * <p>Endpoint overrides point a client at an emulator (or a VPC endpoint). When any is set, static
 * credentials ({@code accessKey}, {@code secretKey}) are required: emulators accept any, and the
 * default credentials chain would otherwise go looking for an instance profile. S3 then uses
 * path-style addressing ({@link #s3ForcePathStyle()}), since {@code bucket.127.0.0.1} does not
 * resolve.
 *
 * @param region AWS region, e.g. {@code eu-west-1}
 * @param sqsEndpoint SQS endpoint override, or null for the regional endpoint
 * @param s3Endpoint S3 endpoint override, or null
 * @param dynamoEndpoint DynamoDB endpoint override, or null
 * @param accessKey static access key; required with endpoint overrides, else null for the default
 *     chain
 * @param secretKey static secret key; set exactly when {@code accessKey} is
 * @param bucket the bucket snapshots and manifests live in
 * @param snapshotPrefix key prefix of everything the fleet writes, empty or ending in {@code /}
 * @param queueName the work queue (one message per client/target)
 * @param dlqName the dead-letter queue behind {@code queueName}
 * @param versionsTable DynamoDB table of per-target version records
 * @param runsTable DynamoDB table of runs and their targets' progress
 */
public record AwsSettings(
    String region,
    URI sqsEndpoint,
    URI s3Endpoint,
    URI dynamoEndpoint,
    String accessKey,
    String secretKey,
    String bucket,
    String snapshotPrefix,
    String queueName,
    String dlqName,
    String versionsTable,
    String runsTable) {

  public static final String DEFAULT_REGION = "us-east-1";
  public static final String DEFAULT_BUCKET = "storage-builder-snapshots";
  public static final String DEFAULT_SNAPSHOT_PREFIX = "snapshots/";
  public static final String DEFAULT_QUEUE = "storage-builder-targets";
  public static final String DEFAULT_DLQ = "storage-builder-targets-dlq";
  public static final String DEFAULT_VERSIONS_TABLE = "sb-versions";
  public static final String DEFAULT_RUNS_TABLE = "sb-runs";

  private static final Pattern REGION = Pattern.compile("[a-z][a-z0-9-]{1,31}");
  // S3 bucket naming rules (general purpose buckets): 3-63, lowercase, digits, '.', '-'.
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern IP_ADDRESS = Pattern.compile("\\d+\\.\\d+\\.\\d+\\.\\d+");
  // SQS: up to 80 alphanumerics, hyphens, underscores (standard queues; ".fifo" suffix for FIFO).
  private static final Pattern QUEUE =
      Pattern.compile("[A-Za-z0-9_-]{1,80}|[A-Za-z0-9_-]{1,75}\\.fifo");
  // DynamoDB table names: 3-255 of a-z A-Z 0-9 _ - .
  private static final Pattern TABLE = Pattern.compile("[A-Za-z0-9_.-]{3,255}");
  private static final Pattern PREFIX = Pattern.compile("([A-Za-z0-9!_.*'()-]+/)*");

  public AwsSettings {
    if (region == null || !REGION.matcher(region).matches()) {
      throw new IllegalArgumentException(
          "aws.region must be an AWS region such as eu-west-1, got '" + region + "'");
    }
    requireEndpoint("aws.sqs-endpoint", sqsEndpoint);
    requireEndpoint("aws.s3-endpoint", s3Endpoint);
    requireEndpoint("aws.dynamodb-endpoint", dynamoEndpoint);
    boolean hasKey = accessKey != null && !accessKey.isBlank();
    boolean hasSecret = secretKey != null && !secretKey.isBlank();
    if (hasKey != hasSecret) {
      throw new IllegalArgumentException(
          "aws.access-key and aws.secret-key must be set together (or both left unset)");
    }
    if (!hasKey && (sqsEndpoint != null || s3Endpoint != null || dynamoEndpoint != null)) {
      throw new IllegalArgumentException(
          "aws.access-key and aws.secret-key are required when an endpoint override is set"
              + " (emulators accept any static credentials)");
    }
    if (bucket == null
        || !BUCKET.matcher(bucket).matches()
        || bucket.contains("..")
        || IP_ADDRESS.matcher(bucket).matches()) {
      throw new IllegalArgumentException(
          "aws.bucket must be 3-63 lowercase letters, digits, '.' or '-', starting and ending with"
              + " a letter or digit, not an IP address, got '"
              + bucket
              + "'");
    }
    if (snapshotPrefix == null || !PREFIX.matcher(snapshotPrefix).matches()) {
      throw new IllegalArgumentException(
          "aws.snapshot-prefix must be empty or path segments each ending in '/' (e.g."
              + " 'snapshots/'), got '"
              + snapshotPrefix
              + "'");
    }
    requireQueueName("aws.queue", queueName);
    requireQueueName("aws.dlq", dlqName);
    if (queueName.equals(dlqName)) {
      throw new IllegalArgumentException(
          "aws.dlq must differ from aws.queue, both are '" + queueName + "'");
    }
    requireTableName("aws.versions-table", versionsTable);
    requireTableName("aws.runs-table", runsTable);
    if (versionsTable.equals(runsTable)) {
      throw new IllegalArgumentException(
          "aws.runs-table must differ from aws.versions-table, both are '" + runsTable + "'");
    }
  }

  /** The named defaults against real AWS in {@code region} (default credentials chain). */
  public static AwsSettings defaults(String region) {
    return builder().region(region).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings, to change a few. */
  public Builder toBuilder() {
    return new Builder()
        .region(region)
        .endpoints(sqsEndpoint, s3Endpoint, dynamoEndpoint)
        .credentials(accessKey, secretKey)
        .bucket(bucket)
        .snapshotPrefix(snapshotPrefix)
        .queueName(queueName)
        .dlqName(dlqName)
        .versionsTable(versionsTable)
        .runsTable(runsTable);
  }

  /** True when S3 must be addressed path-style (any S3 endpoint override: emulators, proxies). */
  public boolean s3ForcePathStyle() {
    return s3Endpoint != null;
  }

  public boolean hasStaticCredentials() {
    return accessKey != null && !accessKey.isBlank();
  }

  @Override
  public String toString() {
    return "AwsSettings[region="
        + region
        + ", sqsEndpoint="
        + sqsEndpoint
        + ", s3Endpoint="
        + s3Endpoint
        + ", dynamoEndpoint="
        + dynamoEndpoint
        + ", credentials="
        + (hasStaticCredentials() ? "static" : "default-chain")
        + ", bucket="
        + bucket
        + ", snapshotPrefix="
        + snapshotPrefix
        + ", queueName="
        + queueName
        + ", dlqName="
        + dlqName
        + ", versionsTable="
        + versionsTable
        + ", runsTable="
        + runsTable
        + "]";
  }

  private static void requireEndpoint(String setting, URI endpoint) {
    if (endpoint == null) {
      return;
    }
    String scheme =
        endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null) {
      throw new IllegalArgumentException(
          setting
              + " must be an absolute http(s) URI such as http://127.0.0.1:9324, got '"
              + endpoint
              + "'");
    }
    String path = endpoint.getPath();
    if ((path != null && !path.isEmpty() && !path.equals("/")) || endpoint.getQuery() != null) {
      throw new IllegalArgumentException(
          setting
              + " must have no path or query (the SDK appends its own), got '"
              + endpoint
              + "'");
    }
  }

  private static void requireQueueName(String setting, String name) {
    if (name == null || !QUEUE.matcher(name).matches()) {
      throw new IllegalArgumentException(
          setting + " must be 1-80 of A-Z a-z 0-9 - _ (FIFO: ending in .fifo), got '" + name + "'");
    }
  }

  private static void requireTableName(String setting, String name) {
    if (name == null || !TABLE.matcher(name).matches()) {
      throw new IllegalArgumentException(
          setting + " must be 3-255 of A-Z a-z 0-9 _ - ., got '" + name + "'");
    }
  }

  /** Starts from the named defaults; {@link #build()} validates. */
  public static final class Builder {
    private String region = DEFAULT_REGION;
    private URI sqsEndpoint;
    private URI s3Endpoint;
    private URI dynamoEndpoint;
    private String accessKey;
    private String secretKey;
    private String bucket = DEFAULT_BUCKET;
    private String snapshotPrefix = DEFAULT_SNAPSHOT_PREFIX;
    private String queueName = DEFAULT_QUEUE;
    private String dlqName = DEFAULT_DLQ;
    private String versionsTable = DEFAULT_VERSIONS_TABLE;
    private String runsTable = DEFAULT_RUNS_TABLE;

    private Builder() {}

    public Builder region(String region) {
      this.region = region;
      return this;
    }

    /** Endpoint overrides; any may be null (that service then uses its regional endpoint). */
    public Builder endpoints(URI sqs, URI s3, URI dynamo) {
      this.sqsEndpoint = sqs;
      this.s3Endpoint = s3;
      this.dynamoEndpoint = dynamo;
      return this;
    }

    public Builder credentials(String accessKey, String secretKey) {
      this.accessKey = accessKey;
      this.secretKey = secretKey;
      return this;
    }

    public Builder bucket(String bucket) {
      this.bucket = bucket;
      return this;
    }

    public Builder snapshotPrefix(String snapshotPrefix) {
      this.snapshotPrefix = snapshotPrefix;
      return this;
    }

    public Builder queueName(String queueName) {
      this.queueName = queueName;
      return this;
    }

    public Builder dlqName(String dlqName) {
      this.dlqName = dlqName;
      return this;
    }

    public Builder versionsTable(String versionsTable) {
      this.versionsTable = versionsTable;
      return this;
    }

    public Builder runsTable(String runsTable) {
      this.runsTable = runsTable;
      return this;
    }

    public AwsSettings build() {
      return new AwsSettings(
          region,
          sqsEndpoint,
          s3Endpoint,
          dynamoEndpoint,
          accessKey,
          secretKey,
          bucket,
          Objects.requireNonNullElse(snapshotPrefix, ""),
          queueName,
          dlqName,
          versionsTable,
          runsTable);
    }
  }
}
