package dev.storagebuilder.bench;

import java.util.Objects;

/**
 * One measured figure and the baseline it is judged against, measured in the same run. {@code
 * value} is null when the figure could not be measured; {@code note} then says why.
 *
 * @param name stable name ({@code full_export_rows_per_s}, ...), the key readers of the JSON use
 * @param value the figure, or null when missing
 * @param unit e.g. {@code rows/s}, {@code s}, {@code MB}
 * @param baseline what the figure is compared with, in words
 * @param baselineValue the baseline's value in the same run, or null when there is none
 * @param goal the goal in words (informational; benchmarks never fail on timing)
 * @param note how it was measured or why it is missing
 */
public record Figure(
    String name, Double value, String unit, String baseline, Double baselineValue, String goal, String note) {

  public Figure {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(unit, "unit");
    baseline = baseline == null ? "" : baseline;
    goal = goal == null ? "" : goal;
    note = note == null ? "" : note;
  }

  public static Figure measured(String name, double value, String unit, String baseline, Double baselineValue, String goal) {
    return new Figure(name, value, unit, baseline, baselineValue, goal, "");
  }

  public static Figure missing(String name, String unit, String goal, String reason) {
    return new Figure(name, null, unit, "", null, goal, reason);
  }

  public Figure withNote(String text) {
    return new Figure(name, value, unit, baseline, baselineValue, goal, text);
  }

  /** value / baselineValue; null when either is missing or the baseline is zero. */
  public Double ratio() {
    if (value == null || baselineValue == null || baselineValue == 0.0) {
      return null;
    }
    return value / baselineValue;
  }

  public boolean isMissing() {
    return value == null;
  }
}
