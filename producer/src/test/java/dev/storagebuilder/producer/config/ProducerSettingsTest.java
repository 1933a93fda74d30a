package dev.storagebuilder.producer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.common.config.KnownSettings;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.common.target.SourceLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProducerSettingsTest {
  private final Map<String, String> properties =
      new HashMap<>(Map.of("storage-builder.source.jdbc-url", "jdbc:h2:mem:x"));

  private ProducerSettings settings() {
    return ProducerSettingsFactory.fromProperties(
        name -> Optional.ofNullable(properties.get(name)));
  }

  /** A name read here but missing from KnownSettings would be refused at start as unknown. */
  @Test
  void everySettingTheProducerReadsIsAKnownSetting() {
    Set<String> read = new TreeSet<>();
    ProducerSettingsFactory.fromProperties(name -> {
      read.add(name);
      return Optional.ofNullable(properties.get(name));
    });
    ProducerSettingsFactory.apiAccessFromProperties(name -> {
      read.add(name);
      return Optional.of(name + "-token-0123456789abcdef0123456789");
    });

    assertThat(read).contains("storage-builder.enqueue.concurrency", "storage-builder.dlq.scan-wait", "storage-builder.aws.queue",
        "storage-builder.api-tokens");
    assertThat(read).allMatch(KnownSettings::accepts);
  }

  /** Micronaut's -1 is a random port in tests; anything else must be a port before the server binds it. */
  @Test
  void theServerPortIsAPortOrMinusOne() {
    for (String port : new String[] {"-1", "0", " 8080 ", "65535"}) {
      ProducerSettingsFactory.requireServerPort(Optional.of(port));
    }
    ProducerSettingsFactory.requireServerPort(Optional.empty());
    for (String port : new String[] {"-2", "65536", "8o80", ""}) {
      assertThatThrownBy(() -> ProducerSettingsFactory.requireServerPort(Optional.of(port))).as(port)
          .hasMessage("micronaut.server.port (MICRONAUT_SERVER_PORT) must be 0..65535 (or -1, any free port), got '"
              + port + "'");
    }
  }

  @Test
  void defaultsApplyWhenOnlyTheSourceIsSet() {
    ProducerSettings settings = settings();

    assertThat(settings.source())
        .isEqualTo(new SourceLocation.DemoDatabase("jdbc:h2:mem:x", null, null));
    assertThat(settings.enqueueConcurrency())
        .isEqualTo(ProducerSettings.DEFAULT_ENQUEUE_CONCURRENCY)
        .isEqualTo(8);
    assertThat(settings.fairQueueGroupIds()).isFalse();
    assertThat(settings.maxScopeTargets()).isEqualTo(100_000);
    assertThat(settings.sourcePoolSize()).isEqualTo(2);
    assertThat(settings.sourceConnectionTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.dlqScanLimit()).isEqualTo(10_000);
    assertThat(settings.dlqScanWait()).isEqualTo(Duration.ofSeconds(1));
    assertThat(settings.aws().queueName()).isEqualTo(AwsSettings.DEFAULT_QUEUE);
    assertThat(settings.aws().runsTable()).isEqualTo(AwsSettings.DEFAULT_RUNS_TABLE);
  }

  @Test
  void everyPropertyIsMapped() {
    properties.clear();
    properties.putAll(
        Map.ofEntries(
            Map.entry("storage-builder.source.config-file", "/etc/sb/source.json"),
            Map.entry("storage-builder.enqueue.concurrency", "16"),
            Map.entry("storage-builder.enqueue.fair-queue-group-ids", "TRUE"),
            Map.entry("storage-builder.enqueue.max-scope-targets", "500"),
            Map.entry("storage-builder.source.pool-size", "3"),
            Map.entry("storage-builder.source.connection-timeout", "750ms"),
            Map.entry("storage-builder.dlq.scan-limit", "200"),
            Map.entry("storage-builder.dlq.scan-wait", "PT0S"),
            Map.entry("storage-builder.aws.region", "eu-west-1"),
            Map.entry("storage-builder.aws.sqs-endpoint", "http://127.0.0.1:9324"),
            Map.entry("storage-builder.aws.access-key", "k"),
            Map.entry("storage-builder.aws.secret-key", "s"),
            Map.entry("storage-builder.aws.queue", "work"),
            Map.entry("storage-builder.aws.dlq", "work-dlq"),
            Map.entry("storage-builder.aws.runs-table", "my-runs")));

    ProducerSettings settings = settings();

    assertThat(settings.source())
        .isEqualTo(new SourceLocation.ConfigFile(Path.of("/etc/sb/source.json")));
    assertThat(settings.enqueueConcurrency()).isEqualTo(16);
    assertThat(settings.fairQueueGroupIds()).isTrue();
    assertThat(settings.maxScopeTargets()).isEqualTo(500);
    assertThat(settings.sourcePoolSize()).isEqualTo(3);
    assertThat(settings.sourceConnectionTimeout()).isEqualTo(Duration.ofMillis(750));
    assertThat(settings.dlqScanLimit()).isEqualTo(200);
    assertThat(settings.dlqScanWait()).isZero();
    assertThat(settings.aws().region()).isEqualTo("eu-west-1");
    assertThat(settings.aws().queueName()).isEqualTo("work");
    assertThat(settings.aws().dlqName()).isEqualTo("work-dlq");
    assertThat(settings.aws().runsTable()).isEqualTo("my-runs");
  }

  @Test
  void blankValuesCountAsUnset() {
    properties.put("storage-builder.enqueue.concurrency", "  ");
    assertThat(settings().enqueueConcurrency()).isEqualTo(8);
  }

  @Test
  void theDemoPasswordIsNeverPrinted() {
    properties.put("storage-builder.source.password", "hunter2");
    assertThat(settings().source().toString()).doesNotContain("hunter2").contains("***");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "storage-builder.enqueue.concurrency | 0 | storage-builder.enqueue.concurrency must be"
            + " 1..64, got 0",
        "storage-builder.enqueue.concurrency | 65 | storage-builder.enqueue.concurrency must be"
            + " 1..64, got 65",
        "storage-builder.enqueue.concurrency | eight | storage-builder.enqueue.concurrency must be"
            + " a whole number, got 'eight'",
        "storage-builder.enqueue.fair-queue-group-ids | yes |"
            + " storage-builder.enqueue.fair-queue-group-ids must be true or false, got 'yes'",
        "storage-builder.enqueue.max-scope-targets | 0 | storage-builder.enqueue.max-scope-targets"
            + " must be 1..1000000, got 0",
        "storage-builder.source.pool-size | 17 | storage-builder.source.pool-size must be 1..16,"
            + " got 17",
        "storage-builder.source.connection-timeout | 100ms |"
            + " storage-builder.source.connection-timeout must be between 250ms and 60s, got 100ms",
        "storage-builder.source.connection-timeout | PT9999999999999H |"
            + " storage-builder.source.connection-timeout must be between 250ms and 60s, got"
            + " 35999999999996400s",
        "storage-builder.dlq.scan-wait | PT-9999999999999H | storage-builder.dlq.scan-wait must"
            + " be between 0s and 20s, got -35999999999996400s",
        "storage-builder.source.connection-timeout | soon |"
            + " storage-builder.source.connection-timeout must be a duration such as 500ms, 5s, 2m"
            + " or PT5S, got 'soon'",
        "storage-builder.dlq.scan-limit | 5 | storage-builder.dlq.scan-limit must be 10..100000,"
            + " got 5",
        "storage-builder.dlq.scan-wait | 21s | storage-builder.dlq.scan-wait must be between 0s and"
            + " 20s, got 21s",
        "storage-builder.dlq.scan-wait | 1500ms | storage-builder.dlq.scan-wait must be whole"
            + " seconds",
        "storage-builder.source.jdbc-url | postgres://db | storage-builder.source.jdbc-url must"
            + " start with 'jdbc:', got 'postgres://db'",
        "storage-builder.source.config-file | /tmp/x.json | storage-builder.source.config-file"
            + " and storage-builder.source.jdbc-url are set: set only one of"
            + " storage-builder.source.config-file, storage-builder.source.config-json or"
            + " storage-builder.source.jdbc-url",
        "storage-builder.source.config-json | {} | storage-builder.source.config-json and"
            + " storage-builder.source.jdbc-url are set: set only one of",
        "storage-builder.aws.queue | bad queue | aws.queue must be 1-80",
        "storage-builder.aws.sqs-endpoint | http://127.0.0.1:9324 | aws.access-key and aws.secret-key"
            + " are required when an endpoint override is set",
      })
  void badValuesAreRejectedNamingTheSetting(String property, String value, String message) {
    properties.put(property.strip(), value.strip());
    assertThatThrownBy(this::settings)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message.strip());
  }

  @Test
  void aSourceIsRequired() {
    properties.clear();
    assertThatThrownBy(this::settings)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("set storage-builder.source.config-file")
        .hasMessageContaining("storage-builder.source.config-json")
        .hasMessageContaining("or storage-builder.source.jdbc-url");
  }

  @Test
  void theDeclarationsCanBeGivenInlineAndLoadLikeAFile() {
    properties.clear();
    properties.put("storage-builder.source.config-json", INLINE);

    SourceLocation source = settings().source();
    SourceConfig config = source.load(Map.of("ORDERS_DB_PASSWORD", "s3cret"));

    assertThat(source).isEqualTo(new SourceLocation.ConfigJson(INLINE.strip()));
    assertThat(source.toString()).doesNotContain("orders");
    assertThat(config.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/orders");
    assertThat(config.password()).isEqualTo("s3cret");
    assertThat(config.targetNames()).containsExactly("orders");
    assertThatThrownBy(() -> source.load(Map.of()))
        .hasMessage(
            "storage-builder.source.config-json: passwordEnv names ORDERS_DB_PASSWORD, which is"
                + " not set in the environment");
  }

  @Test
  void inlineDeclarationsAreExclusiveWithAConfigFile() {
    properties.clear();
    properties.put("storage-builder.source.config-json", INLINE);
    properties.put("storage-builder.source.config-file", "/etc/sb/source.json");
    assertThatThrownBy(this::settings)
        .hasMessageStartingWith(
            "storage-builder.source.config-file and storage-builder.source.config-json are set");
  }

  private static final String INLINE =
      """
      {"jdbcUrl": "jdbc:postgresql://db:5432/orders", "username": "reader",
       "passwordEnv": "ORDERS_DB_PASSWORD",
       "clientsQuery": "SELECT client_id FROM clients",
       "targets": [{"name": "orders", "table": "orders", "clientColumn": "client_id",
                    "keyColumns": ["id"], "versionColumn": "version",
                    "columns": [{"name": "id", "type": "INT64", "nullable": false},
                                {"name": "version", "type": "INT64", "nullable": false}]}]}
      """;
}
