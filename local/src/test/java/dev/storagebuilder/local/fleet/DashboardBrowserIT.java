package dev.storagebuilder.local.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.storagebuilder.common.json.Json;
import dev.storagebuilder.common.target.SourceConfigLoader;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.local.cli.StorageBuilderCli;
import dev.storagebuilder.local.client.ProducerClient;
import dev.storagebuilder.local.demo.DemoSource;
import dev.storagebuilder.local.source.DemoDataGenerator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The dashboard in a real headless chromium (Debian's, driven by playwright-core) against the
 * running fleet: the run progresses to its end, its dead-lettered targets are filtered with their
 * errors, a dry-run redrive answers, a slow DLQ count neither piles up nor stalls the runs, and a
 * hidden tab stops polling. The screenshot stays in target/ as the test's artifact. The same stack
 * then answers the CLI. Skipped (with the reason) where /usr/bin/chromium is missing; {@code
 * .ci/run} installs it.
 */
class DashboardBrowserIT {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path BROWSER_TEST = Path.of("src/test/browser");
  static final Path SCREENSHOT = Path.of("target/dashboard-screenshot.png").toAbsolutePath();

  @TempDir Path stateDir;

  @Test
  void theDashboardFollowsARunFiltersFailuresAndDryRunsARedrive() throws Exception {
    assumeTrue(
        Files.isExecutable(CHROMIUM),
        "no " + CHROMIUM + ": install Debian's chromium (apt-get install chromium) to run the"
            + " dashboard browser test; .ci/run does");
    Path nodeProject = installPlaywright();

    try (DemoSource source = DemoSource.start(stateDir.resolve("source"))) {
      JdbcDataSource local = new JdbcDataSource();
      local.setURL(source.localJdbcUrl());
      try (Connection connection = local.getConnection();
          Statement sql = connection.createStatement()) {
        new DemoDataGenerator(11, 0.001).load(connection);
        // One target kind loses its table: every client's target of that kind is rejected
        // (SQLSTATE 42, permanent) and dead-lettered, so the run finishes "failed" with errors.
        TargetDeclaration broken = SourceConfigLoader.demo(source.jdbcUrl(), null, null).targets().getLast();
        sql.execute("DROP TABLE " + broken.table());
      }
      FleetOptions options =
          new FleetOptions(stateDir, 1, 2, FleetOptions.DEFAULT_WORKER_HEAP_MB,
              Map.of("storage-builder.source.jdbc-url", source.jdbcUrl()),
              Map.of("storage-builder.worker.receive-wait", "1s"));
      try (LocalFleet fleet = LocalFleet.start(options, FleetJars.home())) {
        ProducerClient producer = new ProducerClient(fleet.producerUrl(), fleet.apiToken());
        String runId = producer.startRun(TextNode.valueOf("all"), "full").path("runId").asText();

        ProcessBuilder script =
            new ProcessBuilder("node", "dashboard-test.mjs")
                .directory(nodeProject.toFile())
                .redirectErrorStream(true);
        script.environment().put("DASHBOARD_URL", fleet.producerUrl().toString());
        script.environment().put("SB_TOKEN", fleet.apiToken());
        script.environment().put("RUN_ID", runId);
        script.environment().put("SCREENSHOT", SCREENSHOT.toString());
        script.environment().put("CHROMIUM", CHROMIUM.toString());
        Process node = script.start();
        node.getOutputStream().close();
        String output = new String(node.getInputStream().readAllBytes());
        assertThat(node.waitFor(4, TimeUnit.MINUTES)).isTrue();
        System.out.println("dashboard test saw: " + output.strip());
        System.out.println("dashboard screenshot: " + SCREENSHOT);
        assertThat(node.exitValue()).as(output).isZero();
        JsonNode seen = Json.mapper().readTree(output.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());

        assertThat(seen.path("tokenLeftInUrl").asBoolean()).isFalse();
        assertThat(seen.path("states").get(seen.path("states").size() - 1).asText()).isEqualTo("failed");
        JsonNode run = producer.run(runId);
        int total = run.path("total").asInt();
        String lastProgress = seen.path("progress").get(seen.path("progress").size() - 1).asText();
        assertThat(lastProgress).contains(total + "/" + total);
        int deadLettered = run.path("counts").path("deadLettered").asInt();
        assertThat(deadLettered).isPositive();
        assertThat(seen.path("deadLetteredShown").asInt()).isEqualTo(deadLettered);
        assertThat(seen.path("firstError").asText()).isNotBlank();
        assertThat(seen.path("dryRun").asText()).startsWith("dry run: would move");
        assertThat(seen.path("redriveEnabledAfterDryRun").asBoolean()).isTrue();
        assertThat(seen.path("incompleteDryRun").asText()).contains("did not reach the end of the DLQ");
        assertThat(seen.path("targetDetails").asText()).contains("/entities: version 1");
        // Polls wait for the previous answer: a slow DLQ walk is asked for once at a time, and
        // the runs stay live meanwhile.
        assertThat(seen.path("statsMostInFlight").asInt()).as(output).isEqualTo(1);
        assertThat(seen.path("runsPolledWhileStatsSlow").asInt()).as(output).isGreaterThanOrEqualTo(3);
        // A hidden tab stops polling and starts again when shown.
        assertThat(seen.path("apiRequestsWhileHidden").asInt()).as(output).isZero();
        assertThat(seen.path("apiRequestsOnceShown").asInt()).as(output).isPositive();
        assertThat(Files.size(SCREENSHOT)).isGreaterThan(10_000);

        // The CLI against the same stack.
        CommandLine cli = StorageBuilderCli.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        int exit = cli.execute("runs", "--json", "--url", fleet.producerUrl().toString(), "--token", fleet.apiToken());
        assertThat(exit).isZero();
        assertThat(out.toString()).contains(runId);
      }
    }
  }

  /** npm ci into target/ from the committed package.json and package-lock.json. */
  private static Path installPlaywright() throws Exception {
    Path project = Path.of("target/browser-test").toAbsolutePath();
    Files.createDirectories(project);
    for (String file : List.of("package.json", "package-lock.json", "dashboard-test.mjs")) {
      Files.copy(BROWSER_TEST.resolve(file), project.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    if (!Files.isDirectory(project.resolve("node_modules/playwright-core"))) {
      Process npm =
          new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
              .directory(project.toFile())
              .redirectErrorStream(true)
              .start();
      String log = new String(npm.getInputStream().readAllBytes());
      assertThat(npm.waitFor(3, TimeUnit.MINUTES)).as("npm ci").isTrue();
      assertThat(npm.exitValue()).as("npm ci: %s", log).isZero();
    }
    return project;
  }
}
