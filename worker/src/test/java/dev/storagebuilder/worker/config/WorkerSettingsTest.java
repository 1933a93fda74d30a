package dev.storagebuilder.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.aws.s3.S3StoreOptions;
import dev.storagebuilder.common.config.KnownSettings;
import dev.storagebuilder.worker.pipeline.MemoryBudget;
import dev.storagebuilder.worker.resilience.BreakerSettings;
import dev.storagebuilder.worker.resilience.SourceResilienceSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class WorkerSettingsTest {
  private static final long HEAP_128M = 128L << 20;

  private final Map<String, String> properties = new HashMap<>(Map.of(
      "storage-builder.source.jdbc-url", "jdbc:h2:mem:settings",
      "storage-builder.aws.sqs-endpoint", "http://127.0.0.1:9324",
      "storage-builder.aws.access-key", "x",
      "storage-builder.aws.secret-key", "y"));

  private WorkerSettings load(long heap) {
    return WorkerSettingsProperties.from(name -> Optional.ofNullable(properties.get(name)), Map.of(), heap, "w-1");
  }

  /** A name read here but missing from KnownSettings would be refused at start as unknown. */
  @Test
  void everySettingTheWorkerReadsIsAKnownSetting() {
    Set<String> read = new TreeSet<>();
    Function<String, Optional<String>> recording = name -> {
      read.add(name);
      return Optional.ofNullable(properties.get(name));
    };

    WorkerSettingsProperties.from(recording, Map.of(), HEAP_128M, "w-1");
    WorkerSettingsProperties.sourceResilience(recording);
    WorkerSettingsProperties.breaker(recording, "s3");
    WorkerSettingsProperties.breaker(recording, "dynamodb");

    assertThat(read).hasSizeGreaterThan(50).contains("storage-builder.worker.concurrency", "storage-builder.aws.queue");
    assertThat(KnownSettings.ALL).containsAll(read);
  }

  /**
   * A breaker allocates one measurement per call of its window up front (Resilience4j's count-based
   * window), some 40 bytes each: 10,000,000 is ~400 MB of a heap the memory budget gives to targets;
   * and over a window that long the failure rate hardly moves, so the breaker hardly ever opens.
   */
  @Test
  void aBreakerWindowOverAThousandCallsIsRefused() {
    Function<String, Optional<String>> lookup = name -> Optional.ofNullable(properties.get(name));
    properties.put("storage-builder.worker.source-breaker-window", "10000000");
    assertThatThrownBy(() -> WorkerSettingsProperties.sourceResilience(lookup))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("worker.source-breaker-window must be 1..1000, got 10000000");
    properties.put("storage-builder.worker.source-breaker-window", "1000");
    assertThat(WorkerSettingsProperties.sourceResilience(lookup).breakerWindow()).isEqualTo(1000);

    properties.put("storage-builder.worker.dynamodb-breaker-window", "1001");
    assertThatThrownBy(() -> WorkerSettingsProperties.breaker(lookup, "dynamodb"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("worker.dynamodb-breaker-window must be 1..1000, got 1001");
    properties.put("storage-builder.worker.dynamodb-breaker-window", "1000");
    assertThat(WorkerSettingsProperties.breaker(lookup, "dynamodb").window()).isEqualTo(1000);
  }

  @Test
  void eachAwsDependencyHasItsOwnBreakerSettingsWithDefaults() {
    properties.put("storage-builder.worker.s3-breaker-open-wait", "5s");
    properties.put("storage-builder.worker.dynamodb-breaker-minimum-calls", "8");
    properties.put("storage-builder.worker.dynamodb-breaker-window", "20");
    Function<String, Optional<String>> lookup = name -> Optional.ofNullable(properties.get(name));

    BreakerSettings s3 = WorkerSettingsProperties.breaker(lookup, "s3");
    BreakerSettings dynamodb = WorkerSettingsProperties.breaker(lookup, "dynamodb");

    assertThat(s3).isEqualTo(new BreakerSettings("s3", 50, 10, 4, Duration.ofSeconds(5)));
    assertThat(dynamodb).isEqualTo(new BreakerSettings("dynamodb", 50, 20, 8, Duration.ofSeconds(15)));
    properties.put("storage-builder.worker.s3-breaker-minimum-calls", "11");
    assertThatThrownBy(() -> WorkerSettingsProperties.breaker(lookup, "s3"))
        .hasMessageContaining("worker.s3-breaker-minimum-calls must be 1..worker.s3-breaker-window, got 11 / 10");
  }

  /** Each bound held alone, so 10 attempts at x10 from 500 ms had a target sleep 5 x 10^7 s before its last read. */
  @Test
  void sourceRetriesThatCouldWaitLongerThanTenMinutesInAllAreRefused() {
    Function<String, Optional<String>> lookup = name -> Optional.ofNullable(properties.get(name));
    properties.put("storage-builder.worker.source-retry-attempts", "10");
    properties.put("storage-builder.worker.source-retry-multiplier", "10");
    assertThatThrownBy(() -> WorkerSettingsProperties.sourceResilience(lookup))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("worker.source-retry-attempts (10), -backoff (PT0.5S), -multiplier (10.0) and -jitter (0.5)"
            + " let one read wait up to ")
        .hasMessageEndingWith(" s in retries; at most 600 s: lower the attempts, the backoff or the multiplier");

    properties.put("storage-builder.worker.source-retry-multiplier", "2");
    SourceResilienceSettings doubling = WorkerSettingsProperties.sourceResilience(lookup);
    double worst = 0;
    for (int attempt = 1; attempt < doubling.retryAttempts(); attempt++) {
      worst += doubling.backoff(attempt, 0.999_999).toMillis();
    }
    assertThat(worst).as("10 attempts doubling from 500 ms: 383 s at worst").isBetween(380_000.0, 600_000.0);
    properties.remove("storage-builder.worker.source-retry-attempts");
    properties.remove("storage-builder.worker.source-retry-multiplier");
    assertThat(WorkerSettingsProperties.sourceResilience(lookup)).isEqualTo(SourceResilienceSettings.defaults());
  }

  @Test
  void theSourceReadTimeoutIsFifteenMinutesByDefaultAndRefusedOutsideOneMinuteToSixHours() {
    Function<String, Optional<String>> lookup = name -> Optional.ofNullable(properties.get(name));
    assertThat(WorkerSettingsProperties.sourceResilience(lookup).readTimeout()).isEqualTo(Duration.ofMinutes(15));
    for (String timeout : List.of("59s", "361m")) {
      properties.put("storage-builder.worker.source-read-timeout", timeout);
      assertThatThrownBy(() -> WorkerSettingsProperties.sourceResilience(lookup)).as(timeout)
          .hasMessageStartingWith("worker.source-read-timeout must be 1m..6h, got ");
    }
    properties.put("storage-builder.worker.source-read-timeout", "2m");
    assertThat(WorkerSettingsProperties.sourceResilience(lookup).readTimeout()).isEqualTo(Duration.ofMinutes(2));
  }

  /** NaN failed both comparisons of each range check, and every backoff computed from it was 0 ms. */
  @Test
  void aSourceRetryMultiplierOrJitterThatIsNotANumberIsRefused() {
    Function<String, Optional<String>> lookup = name -> Optional.ofNullable(properties.get(name));
    properties.put("storage-builder.worker.source-retry-multiplier", "NaN");
    assertThatThrownBy(() -> WorkerSettingsProperties.sourceResilience(lookup))
        .hasMessage("worker.source-retry-multiplier must be 1..10, got NaN");
    properties.remove("storage-builder.worker.source-retry-multiplier");
    properties.put("storage-builder.worker.source-retry-jitter", "NaN");
    assertThatThrownBy(() -> WorkerSettingsProperties.sourceResilience(lookup))
        .hasMessage("worker.source-retry-jitter must be 0..<1, got NaN");
  }

  @Test
  void defaultsFitA128MebibyteHeap() {
    WorkerSettings settings = load(HEAP_128M);
    assertThat(settings.loop().concurrency()).isEqualTo(2);
    assertThat(settings.poolSize()).isGreaterThanOrEqualTo(settings.loop().concurrency());
    assertThat(settings.workerId()).isEqualTo("w-1");
    assertThat(settings.source().targetNames()).contains("raw_data", "entities");
  }

  @Test
  void refusesAConfigurationWhoseLargestTargetCannotFitItsHeap() {
    properties.put("storage-builder.worker.row-group-bytes", String.valueOf(96L << 20));
    assertThatThrownBy(() -> load(HEAP_128M))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("memory budget does not fit")
        .hasMessageContaining("row group 96 MiB")
        // Which settings to lower, by name: "the buffers" named none of them.
        .hasMessageEndingWith("; lower worker.row-group-bytes, worker.part-bytes, worker.parts-in-flight or worker.fetch-size,"
            + " or give the JVM more heap (-Xmx, or a larger container under -XX:MaxRAMPercentage)");
  }

  /** Running targets share the heap by reservation: the concurrency may exceed what fits if all were large. */
  @Test
  void aConcurrencyAboveTheLargeTargetsThatFitSharesTheHeapByReservation() {
    properties.put("storage-builder.worker.concurrency", "16");
    properties.put("storage-builder.worker.pool-size", "17");
    WorkerSettings settings = load(HEAP_128M);

    MemoryBudget budget = settings.targetMemory();
    long full = WorkerSettings.perTargetBytes(settings.fetchSize(), settings.rowGroupBytes(), settings.partBytes(),
        settings.partsInFlight());
    assertThat(budget.capacityBytes()).isEqualTo(HEAP_128M - WorkerSettings.BASELINE_HEAP_BYTES);
    assertThat(budget.capacityBytes() / full).as("large targets at once").isEqualTo(2);
    assertThat(budget.capacityBytes() / WorkerSettings.SMALL_TARGET_BYTES).as("small targets at once").isEqualTo(6);
  }

  @Test
  void poolMustCoverConcurrency() {
    properties.put("storage-builder.worker.concurrency", "4");
    properties.put("storage-builder.worker.pool-size", "3");
    assertThatThrownBy(() -> load(1L << 30)).hasMessageContaining("worker.pool-size must be >= worker.concurrency (4), got 3");
  }

  @Test
  void rejectsOutOfRangeValuesNamingTheSetting() {
    properties.put("storage-builder.worker.concurrency", "0");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessage("worker.concurrency must be 1..64, got 0");
    properties.put("storage-builder.worker.concurrency", "2");
    properties.put("storage-builder.worker.part-bytes", "1MiB");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessageContaining("worker.part-bytes must be 5 MiB");
    properties.put("storage-builder.worker.part-bytes", "lots");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessage("storage-builder.worker.part-bytes: cannot parse 'lots', expected a byte count or a size such as"
        + " 512KiB, 8MiB, 1GiB");
  }

  /**
   * ChangeMessageVisibility takes whole seconds: a 500ms base went out as 0 (the first retry at once,
   * and from 0 s every doubling stays 0, so a few seconds' outage spent every delivery and
   * dead-lettered the target), 1500ms as 1 s.
   */
  @Test
  void retryDelaysUnderOneSecondOrWithAFractionAreRefusedAsSqsDelaysWholeSeconds() {
    for (String delay : List.of("0s", "500ms", "1500ms", "PT2.5S")) {
      properties.put("storage-builder.worker.retry-base-delay", delay);
      assertThatThrownBy(() -> load(HEAP_128M)).as(delay)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("worker.retry-base-delay and worker.retry-max-delay must be 1s..12h in whole seconds");
    }
    properties.put("storage-builder.worker.retry-base-delay", "2000ms");
    properties.put("storage-builder.worker.retry-max-delay", "90500ms");
    assertThatThrownBy(() -> load(HEAP_128M))
        .hasMessageStartingWith("worker.retry-base-delay and worker.retry-max-delay must be 1s..12h in whole seconds")
        .hasMessageEndingWith("got PT2S / PT1M30.5S");
    properties.put("storage-builder.worker.retry-max-delay", "90s");
    assertThat(load(HEAP_128M).processing().retryDelay(1)).isEqualTo(Duration.ofSeconds(2));
  }

  /** WaitTimeSeconds is whole seconds: 500ms went out as 0, a short poll the loop repeated without pause. */
  @Test
  void aReceiveWaitUnderOneSecondIsRefusedBecauseSqsWouldShortPollInABusyLoop() {
    for (String wait : List.of("0s", "500ms", "999ms")) {
      properties.put("storage-builder.worker.receive-wait", wait);
      assertThatThrownBy(() -> load(HEAP_128M)).as(wait)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("worker.receive-wait must be 1s..20s in whole seconds");
    }
    properties.put("storage-builder.worker.receive-wait", "1s");
    assertThat(load(HEAP_128M).loop().receiveWait()).isEqualTo(Duration.ofSeconds(1));
    properties.remove("storage-builder.worker.receive-wait");
    assertThat(load(HEAP_128M).loop().receiveWait()).as("default").isEqualTo(Duration.ofSeconds(20));
  }

  /** WaitTimeSeconds is whole seconds: 1500ms went out as 1 s and 19999ms as 19 s, silently. */
  @Test
  void aReceiveWaitWithAFractionOfASecondIsRefusedAsSqsWaitsWholeSeconds() {
    for (String wait : List.of("1500ms", "19999ms", "PT2.5S")) {
      properties.put("storage-builder.worker.receive-wait", wait);
      assertThatThrownBy(() -> load(HEAP_128M)).as(wait)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("worker.receive-wait must be 1s..20s in whole seconds");
    }
    properties.put("storage-builder.worker.receive-wait", "2000ms");
    assertThat(load(HEAP_128M).loop().receiveWait()).isEqualTo(Duration.ofSeconds(2));
  }

  /** The message named AwsSettings' fields (aws.queueName), which no operator can set. */
  @Test
  void aBadAwsSettingIsRefusedNamingTheSettingAsSpelled() {
    properties.put("storage-builder.aws.queue", "bad queue");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessageStartingWith("aws.queue must be 1-80");
    properties.remove("storage-builder.aws.queue");
    properties.put("storage-builder.aws.versions-table", "sb-runs");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessageStartingWith("aws.runs-table must differ from aws.versions-table");
  }

  /** 600m passed these checks and only the S3 store's options refused it, naming s3.partSize. */
  @Test
  void aPartSizeTheObjectStoreCannotTakeIsRefusedNamingTheWorkerSetting() {
    properties.put("storage-builder.worker.part-bytes", "600m");
    assertThatThrownBy(() -> load(8L << 30))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("worker.part-bytes must be 5 MiB (the S3 multipart minimum)..512 MiB (a part is one heap buffer),"
            + " got " + (600L << 20));

    properties.put("storage-builder.worker.part-bytes", "512m");
    WorkerSettings largest = load(8L << 30);
    assertThat(new S3StoreOptions(Math.toIntExact(largest.partBytes()), largest.partsInFlight(),
        S3StoreOptions.DEFAULT_READ_AHEAD_BYTES).partSize()).isEqualTo(512 << 20);
  }

  /** 64 x (16 + 2) = 1152 connections passed here and then failed the wiring, naming aws.maxConnections. */
  @Test
  void moreConcurrentPartUploadsThanAnSdkClientHoldsAreRefusedNamingTheWorkerSettings() {
    properties.put("storage-builder.worker.concurrency", "64");
    properties.put("storage-builder.worker.parts-in-flight", "16");
    assertThatThrownBy(() -> load(64L << 30))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("worker.concurrency x (worker.parts-in-flight + 2) must be <= 1024 (the connections of one SDK"
            + " client), got 64 x 18 = 1152; lower either");

    properties.put("storage-builder.worker.parts-in-flight", "14");
    assertThat(load(64L << 30).awsConnections()).isEqualTo(1024);
    properties.remove("storage-builder.worker.concurrency");
    properties.remove("storage-builder.worker.parts-in-flight");
    assertThat(load(HEAP_128M).awsConnections()).as("defaults: at least 16").isEqualTo(16);
  }

  /**
   * 10h passed (SQS's limit is 12 h), but the heartbeat's first extension at 5 h asks for 10 h more,
   * past 12 h from the receipt: SQS refuses it and every target running past 5 h was abandoned.
   */
  @Test
  void aVisibilityTimeoutWhoseFirstHeartbeatSqsWouldRefuseIsRefused() {
    for (String timeout : List.of("8h", "10h", "12h")) {
      properties.put("storage-builder.worker.visibility-timeout", timeout);
      assertThatThrownBy(() -> load(HEAP_128M)).as(timeout)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("worker.visibility-timeout must be 10s..7h30m in whole seconds");
    }
    properties.put("storage-builder.worker.visibility-timeout", "450m");
    Duration timeout = load(HEAP_128M).visibilityTimeout();
    assertThat(timeout.dividedBy(2).plus(timeout)).as("the first extension ends within 12 h of the receipt")
        .isLessThan(Duration.ofHours(12));
  }

  /**
   * SQS takes a visibility timeout in whole seconds: 10500ms was received as 10 s, while the lease
   * keeper timed its heartbeat and abandonment from 10.5 s, after the message was visible again.
   */
  @Test
  void aVisibilityTimeoutWithAFractionOfASecondIsRefusedAsSqsTakesWholeSeconds() {
    for (String timeout : List.of("10500ms", "299999ms", "PT30.5S")) {
      properties.put("storage-builder.worker.visibility-timeout", timeout);
      assertThatThrownBy(() -> load(HEAP_128M)).as(timeout)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("worker.visibility-timeout must be 10s..7h30m in whole seconds");
    }
    properties.put("storage-builder.worker.visibility-timeout", "30000ms");
    assertThat(load(HEAP_128M).visibilityTimeout()).isEqualTo(Duration.ofSeconds(30));
  }

  /** Said only "cannot parse '300'": nothing told the operator that a duration needs a unit. */
  @Test
  void aValueThatDoesNotParseSaysWhatTheSettingExpects() {
    properties.put("storage-builder.worker.visibility-timeout", "300");
    assertThatThrownBy(() -> load(HEAP_128M))
        .hasMessage("storage-builder.worker.visibility-timeout: cannot parse '300', expected a duration such as 500ms,"
            + " 30s, 5m, 1h or PT30S");
    properties.put("storage-builder.worker.visibility-timeout", "5m");
    properties.put("storage-builder.worker.concurrency", "2.5");
    assertThatThrownBy(() -> load(HEAP_128M))
        .hasMessage("storage-builder.worker.concurrency: cannot parse '2.5', expected a whole number");
  }

  @Test
  void retiredObjectsStaySixHoursByDefaultAndTheGraceIsChecked() {
    assertThat(load(HEAP_128M).retiredObjectGrace()).isEqualTo(Duration.ofHours(6));
    properties.put("storage-builder.worker.retired-object-grace", "0s");
    assertThat(load(HEAP_128M).retiredObjectGrace()).isZero();
    properties.put("storage-builder.worker.retired-object-grace", "P7D");
    assertThat(load(HEAP_128M).retiredObjectGrace()).isEqualTo(Duration.ofHours(168));
    for (String grace : List.of("169h", "-1s")) {
      properties.put("storage-builder.worker.retired-object-grace", grace);
      assertThatThrownBy(() -> load(HEAP_128M)).as(grace)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("worker.retired-object-grace must be 0s..168h");
    }
    properties.put("storage-builder.worker.retired-object-grace", "6");
    assertThatThrownBy(() -> load(HEAP_128M))
        .hasMessageStartingWith("storage-builder.worker.retired-object-grace: cannot parse '6', expected a duration");
  }

  @Test
  void readsPostgresWithCopyUnlessSwitchedOff() {
    assertThat(load(HEAP_128M).postgresCopy()).isTrue();
    properties.put("storage-builder.worker.postgres-copy", "false");
    assertThat(load(HEAP_128M).postgresCopy()).isFalse();
    properties.put("storage-builder.worker.postgres-copy", "no");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessage("storage-builder.worker.postgres-copy: cannot parse 'no', expected true or false");
  }

  @Test
  void requiresASource() {
    properties.remove("storage-builder.source.jdbc-url");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessageContaining("no source configured").hasMessageContaining("storage-builder.source.config-json");
  }

  @Test
  void parsesDurationsAndSizesWithUnits() {
    assertThat(WorkerSettingsProperties.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(WorkerSettingsProperties.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(WorkerSettingsProperties.parseDuration("PT2M")).isEqualTo(Duration.ofMinutes(2));
    assertThat(WorkerSettingsProperties.parseBytes("8MiB")).isEqualTo(8L << 20);
    assertThat(WorkerSettingsProperties.parseBytes("1024")).isEqualTo(1024);
  }

  /**
   * "10MB" was read as 10 MiB: the b was dropped. Whoever wrote it may have meant 10,000,000 bytes
   * (S3, disks and most dashboards count in powers of ten), and other garbage was read the same way
   * ("8mibb" as 8 MiB).
   */
  @Test
  void aDecimalSizeUnitIsRefusedAsAmbiguousNamingTheBinaryOne() {
    for (String size : List.of("10MB", "10mb", "512KB", "1GB")) {
      properties.put("storage-builder.worker.part-bytes", size);
      assertThatThrownBy(() -> load(4L << 30)).as(size)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("storage-builder.worker.part-bytes: cannot parse '" + size + "'")
          .hasMessageContaining("write KiB, MiB or GiB (powers of 1024) or a byte count");
    }
    for (String size : List.of("8mibb", "8ib", "8 M i B", "1.5MiB", "-")) {
      assertThatThrownBy(() -> WorkerSettingsProperties.parseBytes(size)).as(size).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(WorkerSettingsProperties.parseBytes("10MiB")).isEqualTo(10L << 20);
    assertThat(WorkerSettingsProperties.parseBytes(" 10 mib ")).isEqualTo(10L << 20);
    assertThat(WorkerSettingsProperties.parseBytes("10m")).isEqualTo(10L << 20);
    assertThat(WorkerSettingsProperties.parseBytes("512KiB")).isEqualTo(512L << 10);
    assertThat(WorkerSettingsProperties.parseBytes("10000000")).isEqualTo(10_000_000L);
    assertThat(WorkerSettingsProperties.parseBytes("4096b")).isEqualTo(4096L);
  }

  @Test
  void aSizeThatOverflowsIsRefusedRatherThanWrappedIntoAnotherSize() {
    properties.put("storage-builder.worker.row-group-bytes", "17179869185g"); // (2^34 + 1) GiB
    assertThatThrownBy(() -> load(4L << 30))
        .hasMessageStartingWith("storage-builder.worker.row-group-bytes: cannot parse '17179869185g'");
    assertThatThrownBy(() -> WorkerSettingsProperties.parseBytes("9223372036854775807k"))
        .isInstanceOf(ArithmeticException.class);
    assertThat(WorkerSettingsProperties.parseBytes("1g")).isEqualTo(1L << 30);
  }

  @Test
  void noSourceCapByDefaultAndThePoolCoversConcurrencyPlusTheProbe() {
    WorkerSettings settings = load(HEAP_128M);

    assertThat(settings.sourceSlots().capped()).isFalse();
    assertThat(settings.poolSize()).isEqualTo(settings.loop().concurrency() + 1);
    assertThat(settings.sourceSlots().sourceId()).isEqualTo("h2:mem:settings");
    assertThat(settings.sourceSlots().postponeDelay()).isEqualTo(SourceSlotSettings.DEFAULT_WAIT);
  }

  @Test
  void aSourceCapBelowTheConcurrencySizesThePoolToTheCapPlusTheProbe() {
    properties.put("storage-builder.worker.concurrency", "4");
    properties.put("storage-builder.worker.source-concurrency-cap", "2");
    properties.put("storage-builder.worker.source-slot-wait", "3s");
    properties.put("storage-builder.source.id", "orders-primary");

    WorkerSettings settings = load(1L << 30);

    assertThat(settings.poolSize()).isEqualTo(3);
    assertThat(settings.sourceSlots()).isEqualTo(new SourceSlotSettings(2, "orders-primary", Duration.ofSeconds(3)));
    properties.put("storage-builder.worker.source-concurrency-cap", "16");
    assertThat(load(1L << 30).poolSize()).as("a cap above the concurrency changes nothing here").isEqualTo(5);
    properties.put("storage-builder.worker.source-concurrency-cap", "2");
    properties.put("storage-builder.worker.pool-size", "1");
    assertThatThrownBy(() -> load(1L << 30))
        .hasMessage("worker.pool-size must be >= worker.source-concurrency-cap (2), got 1");
  }

  @Test
  void aSourceCapOutOfRangeOrANonPositiveWaitIsRefused() {
    properties.put("storage-builder.worker.source-concurrency-cap", "-1");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessage("worker.source-concurrency-cap must be 0 (no cap)..1000, got -1");
    properties.put("storage-builder.worker.source-concurrency-cap", "4");
    properties.put("storage-builder.worker.source-slot-wait", "500ms");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessageContaining("worker.source-slot-wait must be 1s..15m");
  }

  @Test
  void theDefaultSourceIdIsTheJdbcUrlWithoutCredentialsOrParameters() {
    assertThat(SourceSlotSettings.sourceIdOf("jdbc:postgresql://u:secret@DB.internal:5432/app?ssl=true&password=x"))
        .isEqualTo("postgresql://db.internal:5432/app");
    assertThat(SourceSlotSettings.sourceIdOf("jdbc:mariadb://db:3306/test?user=root&password=pw"))
        .isEqualTo("mariadb://db:3306/test");
    assertThat(SourceSlotSettings.sourceIdOf("jdbc:h2:tcp://127.0.0.1:9092/./demo;DB_CLOSE_DELAY=-1"))
        .isEqualTo("h2:tcp://127.0.0.1:9092/./demo");
  }

  @Test
  void theDeclarationsCanBeGivenInlineWithTheirPasswordFromTheEnvironment() {
    properties.remove("storage-builder.source.jdbc-url");
    properties.put("storage-builder.source.config-json", INLINE);

    WorkerSettings settings =
        WorkerSettingsProperties.from(
            name -> Optional.ofNullable(properties.get(name)), Map.of("ORDERS_DB_PASSWORD", "s3cret"), HEAP_128M, "w-1");

    assertThat(settings.source().jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/orders");
    assertThat(settings.source().password()).isEqualTo("s3cret");
    assertThat(settings.source().targetNames()).containsExactly("orders");
    assertThat(settings.sourceSlots().sourceId()).isEqualTo("postgresql://db:5432/orders");
    assertThatThrownBy(() -> load(HEAP_128M))
        .hasMessage("storage-builder.source.config-json: passwordEnv names ORDERS_DB_PASSWORD, which is not set in the environment");
    properties.put("storage-builder.source.config-json", "{\"targets\": [{\"name\": \"orders\"}]}");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessageStartingWith("storage-builder.source.config-json: targets[0]: ");
    properties.put("storage-builder.source.config-json", "{\"targets\": [");
    assertThatThrownBy(() -> load(HEAP_128M)).hasMessageStartingWith("storage-builder.source.config-json: not valid JSON");
  }

  @Test
  void onlyOneSourceSettingMayBeSet() {
    properties.put("storage-builder.source.config-json", INLINE);
    assertThatThrownBy(() -> load(HEAP_128M))
        .hasMessageStartingWith("storage-builder.source.config-json and storage-builder.source.jdbc-url are set: set only one of");
    properties.put("storage-builder.source.config-file", "/etc/sb/source.json");
    assertThatThrownBy(() -> load(HEAP_128M))
        .hasMessageStartingWith(
            "storage-builder.source.config-file and storage-builder.source.config-json and storage-builder.source.jdbc-url are set");
  }

  private static final String INLINE = """
      {"jdbcUrl": "jdbc:postgresql://db:5432/orders", "username": "reader", "passwordEnv": "ORDERS_DB_PASSWORD",
       "clientsQuery": "SELECT client_id FROM clients",
       "targets": [{"name": "orders", "table": "orders", "clientColumn": "client_id", "keyColumns": ["id"],
                    "versionColumn": "version",
                    "columns": [{"name": "id", "type": "INT64", "nullable": false},
                                {"name": "version", "type": "INT64", "nullable": false}]}]}
      """;
}
