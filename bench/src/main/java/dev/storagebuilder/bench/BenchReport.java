package dev.storagebuilder.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.storagebuilder.common.json.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The figures of one run: printed as a table, written as JSON. */
final class BenchReport {
  private final Machine machine;
  private final boolean quick;
  private final List<Figure> figures = new ArrayList<>();

  BenchReport(Machine machine, boolean quick) {
    this.machine = machine;
    this.quick = quick;
  }

  synchronized void add(Figure figure) {
    figures.add(figure);
  }

  synchronized List<Figure> figures() {
    return List.copyOf(figures);
  }

  synchronized ObjectNode toJson() {
    ObjectNode root = Json.mapper().createObjectNode();
    ObjectNode machineNode = root.putObject("machine");
    machine.toMap().forEach((k, v) -> machineNode.putPOJO(k, v));
    root.put("quick", quick);
    ArrayNode list = root.putArray("figures");
    for (Figure figure : figures) {
      ObjectNode node = list.addObject();
      node.put("name", figure.name());
      if (figure.value() == null) {
        node.putNull("value");
      } else {
        node.put("value", round(figure.value()));
      }
      node.put("unit", figure.unit());
      node.put("baseline", figure.baseline());
      if (figure.baselineValue() == null) {
        node.putNull("baselineValue");
      } else {
        node.put("baselineValue", round(figure.baselineValue()));
      }
      Double ratio = figure.ratio();
      if (ratio == null) {
        node.putNull("ratio");
      } else {
        node.put("ratio", Math.round(ratio * 1000) / 1000.0);
      }
      node.put("goal", figure.goal());
      if (!figure.note().isEmpty()) {
        node.put("note", figure.note());
      }
    }
    return root;
  }

  void writeJson(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(toJson()) + "\n");
  }

  synchronized void printTable(PrintStream out) {
    out.printf("%nMachine: %s, %d cores, %,d MB, %s%n", machine.cpuModel(), machine.cores(), machine.memoryMb(),
        machine.javaVersion());
    String format = "%-34s %14s %-7s %14s %8s  %s%n";
    out.printf(format, "figure", "value", "unit", "baseline", "ratio", "goal / note");
    for (Figure f : figures) {
      String ratio = f.ratio() == null ? "" : String.format(Locale.ROOT, "%.2fx", f.ratio());
      String trailer = f.goal();
      if (!f.note().isEmpty()) {
        trailer = trailer.isEmpty() ? f.note() : trailer + " | " + f.note();
      }
      out.printf(Locale.ROOT, format, f.name(), f.value() == null ? "MISSING" : number(f.value()), f.unit(),
          f.baselineValue() == null ? "" : number(f.baselineValue()), ratio, trailer);
      if (!f.baseline().isEmpty() && f.baselineValue() != null) {
        out.printf("%-34s   baseline: %s%n", "", f.baseline());
      }
    }
  }

  static String number(double value) {
    if (Math.abs(value) >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    if (Math.abs(value) >= 10) {
      return String.format(Locale.ROOT, "%.1f", value);
    }
    return String.format(Locale.ROOT, "%.3f", value);
  }

  private static double round(double value) {
    return Math.abs(value) >= 100 ? Math.round(value * 10) / 10.0 : Math.round(value * 10_000) / 10_000.0;
  }
}
