package dev.storagebuilder.aws.config;

import java.net.URI;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one mapping from flat properties ({@code storage-builder.aws.*}, as Micronaut, system
 * properties or {@code STORAGE_BUILDER_AWS_*} environment variables supply them) onto {@link
 * AwsSettings}, shared by the producer, the worker and the CLI so they never disagree on a name.
 */
public final class AwsSettingsProperties {
  public static final String PREFIX = "storage-builder.aws.";

  private AwsSettingsProperties() {}

  public static AwsSettings from(Function<String, Optional<String>> properties) {
    Function<String, String> get = name -> properties.apply(PREFIX + name).filter(v -> !v.isBlank()).orElse(null);
    return new AwsSettings(
        orDefault(get.apply("region"), AwsSettings.DEFAULT_REGION),
        uri("sqs-endpoint", get.apply("sqs-endpoint")),
        uri("s3-endpoint", get.apply("s3-endpoint")),
        uri("dynamodb-endpoint", get.apply("dynamodb-endpoint")),
        get.apply("access-key"),
        get.apply("secret-key"),
        orDefault(get.apply("bucket"), AwsSettings.DEFAULT_BUCKET),
        orDefault(get.apply("snapshot-prefix"), AwsSettings.DEFAULT_SNAPSHOT_PREFIX),
        orDefault(get.apply("queue"), AwsSettings.DEFAULT_QUEUE),
        orDefault(get.apply("dlq"), AwsSettings.DEFAULT_DLQ),
        orDefault(get.apply("versions-table"), AwsSettings.DEFAULT_VERSIONS_TABLE),
        orDefault(get.apply("runs-table"), AwsSettings.DEFAULT_RUNS_TABLE));
  }

  private static String orDefault(String value, String fallback) {
    return value == null ? fallback : value;
  }

  /** The same message as AwsSettings' for a URI it refuses, naming which of the three endpoints. */
  private static URI uri(String name, String value) {
    try {
      return value == null ? null : URI.create(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "aws." + name + " must be an absolute http(s) URI such as http://127.0.0.1:9324, got '" + value + "'", e);
    }
  }
}
