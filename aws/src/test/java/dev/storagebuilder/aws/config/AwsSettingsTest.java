package dev.storagebuilder.aws.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AwsSettingsTest {
  private static final URI LOCAL = URI.create("http://127.0.0.1:9324");

  /** The message said "storage-builder.aws endpoint", leaving the operator to guess which of three. */
  @Test
  void anEndpointThatIsNoUriIsRefusedNamingItsSetting() {
    Map<String, String> properties =
        Map.of("storage-builder.aws.s3-endpoint", "http://127.0.0.1:9000/a b", "storage-builder.aws.access-key", "x",
            "storage-builder.aws.secret-key", "y");

    assertThatThrownBy(() -> AwsSettingsProperties.from(name -> Optional.ofNullable(properties.get(name))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("aws.s3-endpoint must be an absolute http(s) URI such as http://127.0.0.1:9324, got 'http://127.0.0.1:9000/a b'");
  }

  @Test
  void defaultsAreTheNamedConstants() {
    AwsSettings settings = AwsSettings.defaults("eu-west-1");

    assertThat(settings.region()).isEqualTo("eu-west-1");
    assertThat(settings.bucket()).isEqualTo(AwsSettings.DEFAULT_BUCKET);
    assertThat(settings.snapshotPrefix()).isEqualTo("snapshots/");
    assertThat(settings.queueName()).isEqualTo("storage-builder-targets");
    assertThat(settings.dlqName()).isEqualTo("storage-builder-targets-dlq");
    assertThat(settings.versionsTable()).isEqualTo("sb-versions");
    assertThat(settings.runsTable()).isEqualTo("sb-runs");
    assertThat(settings.s3ForcePathStyle()).isFalse();
    assertThat(settings.hasStaticCredentials()).isFalse();
  }

  @Test
  void endpointOverridesNeedStaticCredentialsAndSwitchS3ToPathStyle() {
    assertThatThrownBy(() -> AwsSettings.builder().endpoints(LOCAL, null, null).build())
        .hasMessageContaining("aws.access-key and aws.secret-key are required");

    AwsSettings local =
        AwsSettings.builder()
            .endpoints(LOCAL, LOCAL, LOCAL)
            .credentials("AKIDEXAMPLE", "SECRETVALUE")
            .build();
    assertThat(local.s3ForcePathStyle()).isTrue();
    assertThat(local.toString()).doesNotContain("SECRETVALUE").contains("credentials=static");
  }

  @Test
  void accessKeyWithoutSecretIsRejected() {
    assertThatThrownBy(() -> AwsSettings.builder().credentials("k", null).build())
        .hasMessageContaining("aws.access-key and aws.secret-key must be set together");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"ab", "Upper-case", "-leading", "trailing-", "a_b_c", "192.168.1.1", "a..b"})
  void bucketNamesFollowS3Rules(String bucket) {
    assertThatThrownBy(() -> AwsSettings.builder().bucket(bucket).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("aws.bucket must be 3-63 lowercase")
        .hasMessageContaining("'" + bucket + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/snapshots/", "snapshots", "a//"})
  void snapshotPrefixIsEmptyOrEndsInASlash(String prefix) {
    assertThatThrownBy(() -> AwsSettings.builder().snapshotPrefix(prefix).build())
        .hasMessageStartingWith("aws.snapshot-prefix");
  }

  @Test
  void emptySnapshotPrefixIsAllowed() {
    assertThat(AwsSettings.builder().snapshotPrefix("").build().snapshotPrefix()).isEmpty();
  }

  @Test
  void queueAndTableNamesAreCheckedAndMustDiffer() {
    assertThatThrownBy(() -> AwsSettings.builder().queueName("has space").build())
        .hasMessageStartingWith("aws.queue must be 1-80");
    assertThatThrownBy(() -> AwsSettings.builder().dlqName(AwsSettings.DEFAULT_QUEUE).build())
        .hasMessageStartingWith("aws.dlq must differ from aws.queue");
    assertThatThrownBy(() -> AwsSettings.builder().versionsTable("ab").build())
        .hasMessageStartingWith("aws.versions-table must be 3-255");
    assertThatThrownBy(
            () -> AwsSettings.builder().runsTable(AwsSettings.DEFAULT_VERSIONS_TABLE).build())
        .hasMessageStartingWith("aws.runs-table must differ");
  }

  @Test
  void endpointsMustBeAbsoluteHttpUrisWithoutPath() {
    assertThatThrownBy(
            () ->
                AwsSettings.builder()
                    .endpoints(null, URI.create("ftp://127.0.0.1:1"), null)
                    .credentials("k", "s")
                    .build())
        .hasMessageStartingWith("aws.s3-endpoint must be an absolute http(s) URI");
    assertThatThrownBy(
            () ->
                AwsSettings.builder()
                    .endpoints(null, null, URI.create("http://127.0.0.1:1/x"))
                    .credentials("k", "s")
                    .build())
        .hasMessageStartingWith("aws.dynamodb-endpoint must have no path");
  }

  @Test
  void regionIsRequired() {
    assertThatThrownBy(() -> AwsSettings.builder().region(" ").build())
        .hasMessageStartingWith("aws.region must be an AWS region");
  }

  @Test
  void localhostEndpointsAreReachedByAddress() {
    assertThat(AwsClients.loopbackByAddress(URI.create("http://localhost:4566")))
        .isEqualTo(URI.create("http://127.0.0.1:4566"));
    assertThat(AwsClients.loopbackByAddress(URI.create("https://sqs.eu-west-1.amazonaws.com")))
        .isEqualTo(URI.create("https://sqs.eu-west-1.amazonaws.com"));
  }

  @Test
  void clientsAreBuiltWithoutTouchingTheNetworkAndRejectABadPoolSize() {
    AwsSettings local =
        AwsSettings.builder().endpoints(LOCAL, LOCAL, LOCAL).credentials("k", "s").build();
    try (AwsClients clients = new AwsClients(local, 4)) {
      assertThat(clients.s3().serviceClientConfiguration().endpointOverride()).contains(LOCAL);
      assertThat(clients.sqs().serviceClientConfiguration().region().id()).isEqualTo("us-east-1");
    }
    assertThatThrownBy(() -> new AwsClients(local, 0)).hasMessageContaining("aws.maxConnections");
  }
}
