package dev.storagebuilder.local.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.local.client.ProducerClient;
import dev.storagebuilder.local.demo.DemoSource;
import dev.storagebuilder.local.fleet.FleetJars;
import dev.storagebuilder.local.fleet.FleetOptions;
import dev.storagebuilder.local.fleet.FleetProcess;
import dev.storagebuilder.local.fleet.LocalFleet;
import dev.storagebuilder.local.source.DemoDataGenerator;
import dev.storagebuilder.local.source.GenerationReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two worker processes (two targets at once each) with a fleet-wide source cap of one: every target
 * succeeds, nothing is dead-lettered, and the workers' own logs show no two targets between
 * "target start" and "target done" at the same time, across both processes. A worker logs "target
 * start" after taking its slot and "target done" before giving it back, so with a cap of one these
 * intervals can touch but never overlap.
 */
class SourceCapFleetIT {
  /** {@code 10:00:00.123 INFO  [target-0] ... - target start ...} (the plain log format). */
  private static final Pattern EVENT =
      Pattern.compile("^(\\d{2}:\\d{2}:\\d{2}\\.\\d{3}) +\\w+ +\\[([^\\]]+)\\].* - target (start|done)\\b.*");

  @TempDir Path stateDir;

  @Test
  void aCapOfOneHoldsAcrossTwoWorkerProcesses() throws Exception {
    try (DemoSource source = DemoSource.start(stateDir.resolve("source"))) {
      GenerationReport generated = source.load(new DemoDataGenerator(3, 0.00001)); // 3 clients, 18 targets
      FleetOptions options =
          new FleetOptions(stateDir, 2, 2, FleetOptions.DEFAULT_WORKER_HEAP_MB,
              Map.of("storage-builder.source.jdbc-url", source.jdbcUrl()),
              Map.of("storage-builder.worker.receive-wait", "1s",
                  "storage-builder.worker.source-concurrency-cap", "1",
                  "storage-builder.worker.source-slot-wait", "1s"));
      try (LocalFleet fleet = LocalFleet.start(options, FleetJars.home());
          AwsClients aws = new AwsClients(fleet.aws())) {
        ProducerClient producer = new ProducerClient(fleet.producerUrl(), fleet.apiToken());
        long started = System.nanoTime();
        String runId = producer.startRun(TextNode.valueOf("all"), "full").path("runId").asText();
        int expectedTargets = generated.clientIds().size() * 6;

        JsonNode finished =
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                .until(() -> producer.run(runId), run -> !run.path("state").asText().equals("running"));

        List<Interval> reads = new ArrayList<>();
        int postponements = 0;
        for (FleetProcess worker : fleet.workers()) {
          List<String> lines = Files.readAllLines(worker.log());
          reads.addAll(intervals(worker.name(), lines));
          postponements += (int) lines.stream().filter(l -> l.contains("every slot of the source is taken")).count();
        }
        System.out.printf("cap 1 across 2 processes: %d targets in %d s, %d reads, %d postponements, run %s%n",
            expectedTargets, Duration.ofNanos(System.nanoTime() - started).toSeconds(), reads.size(), postponements,
            finished);
        assertThat(finished.path("state").asText()).isEqualTo("succeeded");
        assertThat(finished.path("counts").path("succeeded").asInt()).isEqualTo(expectedTargets);
        assertThat(GracefulShutdownIT.dlqDepth(aws, fleet)).as("nothing dead-lettered").isZero();
        assertThat(reads).as("every target read by one of the workers").hasSizeGreaterThanOrEqualTo(expectedTargets);
        assertThat(reads.stream().map(Interval::worker).distinct()).as("both processes took work").hasSize(2);
        assertThat(mostAtOnce(reads)).as("most targets between start and done at once").isEqualTo(1);
        assertThat(postponements).as("the processes did compete for the slot").isPositive();
      }
    }
  }

  record Interval(String worker, LocalTime start, LocalTime done) {}

  /** Pairs each thread's "target start" with its next "target done"; a start left open is a failure. */
  private static List<Interval> intervals(String worker, List<String> lines) {
    Map<String, LocalTime> open = new HashMap<>();
    List<Interval> intervals = new ArrayList<>();
    for (String line : lines) {
      Matcher event = EVENT.matcher(line);
      if (!event.matches()) {
        continue;
      }
      LocalTime at = LocalTime.parse(event.group(1));
      String thread = event.group(2);
      if (event.group(3).equals("start")) {
        assertThat(open.put(thread, at)).as("%s %s started a target before finishing one", worker, thread).isNull();
      } else {
        LocalTime start = open.remove(thread);
        assertThat(start).as("%s %s: done without start", worker, thread).isNotNull();
        intervals.add(new Interval(worker, start, at));
      }
    }
    assertThat(open).as("%s: targets that never finished", worker).isEmpty();
    return intervals;
  }

  /** Sweeps the intervals; an end sorts before a start at the same millisecond (touching is fine). */
  private static int mostAtOnce(List<Interval> intervals) {
    List<Map.Entry<LocalTime, Integer>> events = new ArrayList<>();
    for (Interval interval : intervals) {
      events.add(Map.entry(interval.start(), 1));
      events.add(Map.entry(interval.done(), -1));
    }
    events.sort(Comparator.<Map.Entry<LocalTime, Integer>, LocalTime>comparing(Map.Entry::getKey)
        .thenComparing(Map.Entry::getValue));
    int now = 0;
    int most = 0;
    for (Map.Entry<LocalTime, Integer> event : events) {
      now += event.getValue();
      most = Math.max(most, now);
    }
    return most;
  }
}
