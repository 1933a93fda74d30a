package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.TargetDeclaration;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Loads the demo source into a database and prints what it wrote and how fast: the entry point the
 * benchmarks reuse.
 *
 * <pre>
 * java -cp ... dev.storagebuilder.local.source.DemoDataGeneratorMain \
 *     --jdbc-url 'jdbc:postgresql://127.0.0.1:5432/test?user=postgres' --scale 1
 * # only the largest client's raw_data (1,000,000 rows at scale 1):
 *     ... --scale 1 --targets raw_data --largest-clients 1
 * </pre>
 */
@Command(
    name = "demo-data",
    mixinStandardHelpOptions = true,
    description = "Generate the demo source (deterministic for a seed) and bulk-load it.")
public final class DemoDataGeneratorMain implements Callable<Integer> {

  @Option(
      names = "--jdbc-url",
      required = true,
      description = "PostgreSQL, MariaDB or H2 JDBC URL.")
  String jdbcUrl;

  @Option(names = "--user", description = "Database user (or put it in the URL).")
  String user;

  @Option(
      names = "--password-env",
      description = "Name of an environment variable holding the password.")
  String passwordEnv;

  @Option(
      names = "--scale",
      defaultValue = "" + DemoDataGenerator.DEFAULT_SCALE,
      description = "Size: 1 is legacy-sized (default ${DEFAULT-VALUE}).")
  double scale;

  @Option(
      names = "--seed",
      defaultValue = "" + DemoDataGenerator.DEFAULT_SEED,
      description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--no-reset",
      negatable = false,
      description =
          "Keep existing demo tables (they must be empty) instead of dropping and re-creating"
              + " them.")
  boolean noReset;

  @Option(names = "--targets", split = ",", description = "Load only these targets (default: all).")
  List<String> targets;

  @Option(
      names = "--largest-clients",
      description = "Load only the N largest clients (default: all).")
  Integer largestClients;

  public static void main(String[] args) {
    System.exit(new CommandLine(new DemoDataGeneratorMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    String password = passwordEnv == null ? null : System.getenv(passwordEnv);
    if (passwordEnv != null && password == null) {
      System.err.println("--password-env names " + passwordEnv + ", which is not set");
      return 2;
    }
    try {
      return load(password);
    } catch (IllegalArgumentException | IllegalStateException e) {
      // A bad option (scale, target name) or demo tables that already hold rows: say which.
      System.err.println(e.getMessage());
      return 2;
    }
  }

  private int load(String password) throws SQLException {
    DemoDataGenerator generator = new DemoDataGenerator(seed, scale);
    Set<String> clientIds = new HashSet<>(generator.clientIds());
    if (largestClients != null) {
      if (largestClients < 1) {
        throw new IllegalArgumentException("--largest-clients must be >= 1, got " + largestClients);
      }
      clientIds.clear();
      generator.clients().stream()
          .sorted(Comparator.comparingInt(ClientPlan::sizeRank))
          .limit(largestClients)
          .forEach(client -> clientIds.add(client.clientId()));
    }
    Set<String> targetNames =
        targets == null
            ? new HashSet<>(generator.targets().stream().map(TargetDeclaration::name).toList())
            : new HashSet<>(targets);
    targetNames.forEach(generator::demoRows); // unknown names fail here, before anything is dropped
    try (Connection connection = DriverManager.getConnection(jdbcUrl, user, password)) {
      if (!noReset) {
        generator.schema().reset(connection);
      }
      GenerationReport report = generator.load(connection, clientIds, targetNames);
      System.out.printf(
          "seed %d, scale %s: %d of %d clients, %,d of %,d planned rows%n",
          seed,
          scale,
          clientIds.size(),
          generator.clientIds().size(),
          report.totalRows(),
          generator.expectedTotalRows());
      System.out.print(report.describe());
    }
    return 0;
  }
}
