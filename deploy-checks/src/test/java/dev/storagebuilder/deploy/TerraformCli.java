package dev.storagebuilder.deploy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The terraform binary, when the machine has one: offline commands only (fmt, plan of provider-less files). */
final class TerraformCli {
  private TerraformCli() {}

  static Optional<Path> binary() {
    return Processes.onPath("terraform");
  }

  static Processes.Result run(Path workingDirectory, List<String> arguments) {
    List<String> command = new ArrayList<>();
    command.add(binary().orElseThrow().toString());
    command.addAll(arguments);
    return Processes.run(
        command,
        workingDirectory,
        Map.of(
            // No version check against the network, no user CLI configuration.
            "CHECKPOINT_DISABLE", "1",
            "TF_IN_AUTOMATION", "1",
            "TF_CLI_CONFIG_FILE", "/dev/null",
            "TF_DATA_DIR", workingDirectory.resolve(".terraform").toString()),
        Duration.ofSeconds(60));
  }
}
