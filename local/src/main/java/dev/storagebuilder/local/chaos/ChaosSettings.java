package dev.storagebuilder.local.chaos;

import java.time.Duration;

/**
 * How hard {@code ./sb demo --chaos} hits the fleet.
 *
 * @param dbOutage how long the source database is unreachable
 * @param s3Fault how long S3 answers 503 at least (longer, up to twice that, until a worker has
 *     met one)
 * @param duplicates duplicate target messages sent at the start of the run
 */
public record ChaosSettings(Duration dbOutage, Duration s3Fault, int duplicates) {
  public static final Duration DEFAULT_DB_OUTAGE = Duration.ofSeconds(20);
  public static final Duration DEFAULT_S3_FAULT = Duration.ofSeconds(4);
  public static final int DEFAULT_DUPLICATES = 10;
  public static final ChaosSettings DEFAULTS =
      new ChaosSettings(DEFAULT_DB_OUTAGE, DEFAULT_S3_FAULT, DEFAULT_DUPLICATES);

  public ChaosSettings {
    if (dbOutage.compareTo(Duration.ofSeconds(1)) < 0 || dbOutage.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException("--chaos-db-outage must be 1..300 seconds, got " + dbOutage.toSeconds());
    }
    // S3 errors spend deliveries of the targets being written (the demo's retry delays are 1, 2,
    // 4, 8 s for 5 deliveries): much longer and healthy targets would reach the DLQ.
    if (s3Fault.compareTo(Duration.ofSeconds(1)) < 0 || s3Fault.compareTo(Duration.ofSeconds(10)) > 0) {
      throw new IllegalArgumentException("--chaos-s3-fault must be 1..10 seconds, got " + s3Fault.toSeconds());
    }
    if (duplicates < 0 || duplicates > 1000) {
      throw new IllegalArgumentException("--chaos-duplicates must be 0..1000, got " + duplicates);
    }
  }
}
