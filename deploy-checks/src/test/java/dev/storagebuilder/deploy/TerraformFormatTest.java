package dev.storagebuilder.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TerraformFormatTest {
  @Test
  void terraformFilesAreCanonicallyFormatted() {
    assumeTrue(TerraformCli.binary().isPresent(), "terraform is not on PATH");
    Processes.Result fmt =
        TerraformCli.run(Repository.ROOT, List.of("fmt", "-check", "-recursive", "-no-color", "terraform"));
    assertThat(fmt.exitCode()).as("terraform fmt -check -recursive terraform (files listed need `terraform fmt`):\n%s", fmt.describe()).isZero();
  }
}
