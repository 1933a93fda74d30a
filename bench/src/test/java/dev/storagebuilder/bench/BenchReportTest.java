package dev.storagebuilder.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BenchReportTest {
  private final Machine machine = new Machine("Test CPU", 2, 4096, "25", "Linux");

  @Test
  void ratioIsValueOverBaselineAndMissingWhenEitherIsMissing() {
    assertThat(Figure.measured("a", 300, "rows/s", "limit", 400.0, "").ratio()).isEqualTo(0.75);
    assertThat(Figure.measured("a", 300, "rows/s", "", null, "").ratio()).isNull();
    assertThat(Figure.measured("a", 300, "rows/s", "limit", 0.0, "").ratio()).isNull();
    assertThat(Figure.missing("a", "s", "", "why").ratio()).isNull();
  }

  @Test
  void jsonHasTheMachineAndEveryFigureWithBaselineAndRatio() {
    BenchReport report = new BenchReport(machine, true);
    report.add(Figure.measured("full_export_rows_per_s", 352_000.4, "rows/s", "limit pipeline", 440_000.0, ">= 0.8x"));
    report.add(Figure.missing("incremental_seconds", "s", "<= 0.25 s", "not on this branch"));

    JsonNode json = report.toJson();

    assertThat(json.path("machine").path("cpu").asText()).isEqualTo("Test CPU");
    assertThat(json.path("machine").path("cores").asInt()).isEqualTo(2);
    assertThat(json.path("quick").asBoolean()).isTrue();
    JsonNode first = json.path("figures").path(0);
    assertThat(first.path("name").asText()).isEqualTo("full_export_rows_per_s");
    assertThat(first.path("value").asDouble()).isEqualTo(352_000.4);
    assertThat(first.path("baseline").asText()).isEqualTo("limit pipeline");
    assertThat(first.path("baselineValue").asDouble()).isEqualTo(440_000.0);
    assertThat(first.path("ratio").asDouble()).isEqualTo(0.8);
    JsonNode missing = json.path("figures").path(1);
    assertThat(missing.path("value").isNull()).isTrue();
    assertThat(missing.path("ratio").isNull()).isTrue();
    assertThat(missing.path("note").asText()).isEqualTo("not on this branch");
  }

  @Test
  void tableShowsMissingFiguresWithTheirReason() {
    BenchReport report = new BenchReport(machine, false);
    report.add(Figure.measured("enqueue_10k_seconds", 2.5, "s", "plain SDK loop", 2.0, "<= 2 s"));
    report.add(Figure.missing("incremental_seconds", "s", "<= 0.25 s", "not on this branch"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    report.printTable(new PrintStream(bytes, true, StandardCharsets.UTF_8));

    String table = bytes.toString(StandardCharsets.UTF_8);
    assertThat(table).contains("Test CPU").contains("enqueue_10k_seconds").contains("1.25x");
    assertThat(table).contains("MISSING").contains("not on this branch");
  }
}
