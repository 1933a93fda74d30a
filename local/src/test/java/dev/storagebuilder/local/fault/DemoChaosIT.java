package dev.storagebuilder.local.fault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.common.json.Json;
import dev.storagebuilder.local.cli.StorageBuilderCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./sb demo --chaos} as a user runs it (the CLI in-process, the producer and workers as real
 * processes from their jars), small data and short outages: every fault fires and the run still
 * ends with every target succeeded, nothing dead-lettered and every snapshot verified.
 */
class DemoChaosIT {
  @TempDir Path dir;

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES) // a safety net for a hang, not the budget
  void theChaosDemoSurvivesKillsOutagesS3ErrorsAndDuplicates() throws Exception {
    Path summaryFile = dir.resolve("summary.json");
    long started = System.nanoTime();

    int exit =
        StorageBuilderCli.commandLine()
            .execute(
                "demo", "--chaos", "--scale", "0.0005", "--seed", "5", "--workers", "2",
                "--chaos-db-outage", "5", "--chaos-s3-fault", "3", "--chaos-duplicates", "5",
                "--state-dir", dir.resolve("state").toString(), "--summary", summaryFile.toString());

    System.out.printf("chaos demo took %.1f s%n", (System.nanoTime() - started) / 1e9);
    assertThat(summaryFile).exists();
    JsonNode summary = Json.mapper().readTree(Files.readString(summaryFile));
    System.out.println(summary);
    JsonNode targets = summary.path("targets");
    assertThat(targets.path("total").asInt()).isPositive();
    assertThat(targets.path("succeeded").asInt()).isEqualTo(targets.path("total").asInt());
    assertThat(targets.path("failed").asInt()).isZero();
    assertThat(targets.path("deadLettered").asInt()).isZero();
    assertThat(summary.path("verified").asBoolean()).isTrue();
    JsonNode chaos = summary.path("chaos");
    assertThat(chaos.path("workersKilled").asInt()).isGreaterThanOrEqualTo(1);
    assertThat(chaos.path("dbOutageSeconds").asDouble()).isGreaterThan(0);
    assertThat(chaos.path("s3FaultsInjected").asInt()).isGreaterThanOrEqualTo(1);
    assertThat(chaos.path("duplicatesInjected").asInt()).isEqualTo(5);
    assertThat(exit).isZero();
  }
}
