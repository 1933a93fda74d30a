package dev.storagebuilder.bench;

import dev.storagebuilder.local.fleet.FleetJars;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ./sb bench [--quick] [--json FILE]}: prints every figure with its baseline and ratio. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmarks against real PostgreSQL and the embedded AWS stack. Every figure is a ratio against a",
      "baseline measured in the same run (the machine is shared and noisy). Never fails on timing."
    })
public final class BenchMain implements Callable<Integer> {
  @Option(names = "--quick", description = "Smaller versions of every scenario, for development.")
  boolean quick;

  @Option(names = "--json", description = "Also write the figures as JSON to this file.")
  Path json;

  @Option(
      names = "--jdbc-url",
      defaultValue = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres",
      description = "PostgreSQL to benchmark against (a private schema is created and dropped). Default: ${DEFAULT-VALUE}")
  String jdbcUrl;

  @Option(
      names = "--only",
      split = ",",
      description = "Run only these scenarios: export, update-all, enqueue (default: all).")
  java.util.List<String> only;

  @Option(
      names = "--rounds",
      description = "Rounds of the single-target export and incremental (default: "
          + BenchSizes.DEFAULT_EXPORT_ROUNDS + "; figures are the best round).")
  Integer rounds;

  @Option(
      names = "--large-rows",
      description = "Rows of the large export target (default: 10,000,000; 500,000 with --quick). For experiments:"
          + " the README's figures use the default.")
  Long largeRows;

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    BenchSizes sizes = sizes();
    java.util.List<String> scenarios = scenarios();
    BenchReport report = new BenchReport(Machine.current(), quick);
    BenchRun run = new BenchRun(sizes, jdbcUrl, FleetJars.home(), report, System.out);
    java.util.List<String> failed;
    try {
      failed = run.runAll(scenarios);
    } finally {
      report.printTable(System.out);
      if (json != null) {
        report.writeJson(json);
        System.out.println("figures written to " + json);
      }
    }
    // Timing never fails the bench; a scenario that threw has no figures to read, and a script
    // running the bench must see that.
    for (String scenario : failed) {
      spec.commandLine().getErr().println("bench: scenario " + scenario + " failed (see its line above)");
    }
    spec.commandLine().getErr().flush();
    return failed.isEmpty() ? 0 : 1;
  }

  /** --only's scenarios, or all: a misspelt name ran nothing and exited 0 with an empty table. */
  java.util.List<String> scenarios() {
    if (only == null) {
      return BenchRun.SCENARIOS;
    }
    for (String scenario : only) {
      if (!BenchRun.SCENARIOS.contains(scenario)) {
        throw new ParameterException(
            spec.commandLine(), "--only must name export, update-all or enqueue, got '" + scenario + "'");
      }
    }
    return only;
  }

  /** The scenario sizes with the options applied; a bad value is refused before anything starts. */
  BenchSizes sizes() {
    BenchSizes sizes = BenchSizes.of(quick);
    try {
      if (rounds != null) {
        sizes = sizes.withExportRounds(rounds);
      }
      if (largeRows != null) {
        sizes = sizes.withLargeRows(largeRows);
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    return sizes;
  }
}
