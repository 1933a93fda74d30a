package dev.storagebuilder.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The layout of terraform-aws-modules: four files per module, pinned versions, documented inputs. */
class TerraformModuleLayoutTest {
  private static final List<String> CONCERNS = List.of("queue", "storage", "ledger", "services", "autoscaling", "alarms");

  private final TerraformConfig config = TerraformConfig.repository();

  @Test
  void everyConcernIsAModuleWithMainVariablesOutputsAndVersions() {
    for (String concern : CONCERNS) {
      assertThat(config.module("modules/" + concern).fileNames())
          .as("terraform/modules/%s", concern)
          .contains("main.tf", "variables.tf", "outputs.tf", "versions.tf");
    }
    assertThat(config.module(".").fileNames()).contains("main.tf", "variables.tf", "outputs.tf", "versions.tf");
    assertThat(config.module("examples/complete").fileNames()).contains("main.tf", "variables.tf", "outputs.tf", "versions.tf");
  }

  @Test
  void rootModuleComposesEveryConcernModule() {
    Map<String, JsonNode> calls = config.module(".").moduleCalls();
    for (String concern : CONCERNS) {
      assertThat(calls).as("module calls of terraform/main.tf").containsKey(concern);
      assertThat(calls.get(concern).path("source").asText()).isEqualTo("./modules/" + concern);
    }
  }

  @Test
  void completeExampleCallsTheRootModule() {
    Map<String, JsonNode> calls = config.module("examples/complete").moduleCalls();
    assertThat(calls.values()).extracting(call -> call.path("source").asText()).contains("../..");
  }

  /**
   * The operator's choices that have no right default for every deployment: the example declares
   * each as a variable of its own (typed, described, validated like the root's, with the root's
   * default) and passes it through, so choosing Graviton or HTTPS is a line in terraform.tfvars,
   * not an edit of the example's main.tf.
   */
  @Test
  void completeExamplePassesTheArchitectureAndTheApiCertificateThrough() throws IOException {
    TerraformConfig.Module root = config.module(".");
    TerraformConfig.Module example = config.module("examples/complete");
    String tfvars = Files.readString(Repository.terraform().resolve("examples/complete/terraform.tfvars.example"));
    for (String choice : List.of("cpu_architecture", "api_certificate_arn")) {
      assertThat(example.variables()).as("variables of terraform/examples/complete").containsKey(choice);
      JsonNode mine = example.variable(choice);
      JsonNode roots = root.variable(choice);
      assertThat(Hcl.text(mine.path("type"))).as("type of %s", choice).isEqualTo(Hcl.text(roots.path("type")));
      assertThat(mine.path("default")).as("default of %s", choice).isEqualTo(roots.path("default"));
      assertThat(Hcl.text(Hcl.block(mine, "validation").path("condition")))
          .as("validation of %s", choice)
          .isEqualTo(Hcl.text(Hcl.block(roots, "validation").path("condition")));
      assertThat(Hcl.isReference(example.moduleCall("storage_builder").path(choice), "var." + choice))
          .as("module storage_builder sets %s = var.%s", choice, choice)
          .isTrue();
      assertThat(tfvars).as("terraform.tfvars.example shows %s", choice).containsPattern("(?m)^#?\\s*" + choice + "\\s*=");
    }
  }

  @Test
  void everyModulePinsTerraformAndTheAwsProvider() {
    config.modules().forEach((path, module) -> {
      List<JsonNode> terraformBlocks = module.terraformBlocks();
      assertThat(terraformBlocks).as("terraform block of terraform/%s", path).hasSize(1);
      JsonNode terraform = terraformBlocks.get(0);
      assertThat(terraform.path("required_version").asText()).as("required_version of terraform/%s", path).isEqualTo(">= 1.5");
      JsonNode aws = Hcl.block(terraform, "required_providers").path("aws");
      assertThat(aws.path("source").asText()).as("aws provider source of terraform/%s", path).isEqualTo("hashicorp/aws");
      assertThat(aws.path("version").asText()).as("aws provider version of terraform/%s", path).isEqualTo("~> 5.0");
    });
  }

  @Test
  void everyVariableHasATypeAndADescription() {
    List<String> undocumented = new ArrayList<>();
    config.modules().forEach((path, module) -> module.variables().forEach((name, variable) -> {
      if (!variable.hasNonNull("type")) {
        undocumented.add("terraform/" + path + ": variable " + name + " has no type");
      }
      if (variable.path("description").asText().isBlank()) {
        undocumented.add("terraform/" + path + ": variable " + name + " has no description");
      }
    }));
    assertThat(undocumented).isEmpty();
    assertThat(config.modules().values().stream().mapToInt(m -> m.variables().size()).sum())
        .as("variables seen (the parse found the modules)")
        .isGreaterThan(50);
  }

  @Test
  void everyStringNumberAndListVariableIsValidated() {
    List<String> unvalidated = new ArrayList<>();
    config.modules().forEach((path, module) -> module.variables().forEach((name, variable) -> {
      String type = Hcl.text(variable.path("type"));
      boolean constrainable = type.equals("${string}") || type.equals("${number}") || type.startsWith("${list(");
      if (constrainable && Hcl.blocks(variable, "validation").isEmpty()) {
        unvalidated.add("terraform/" + path + ": variable " + name + " (" + type + ")");
      }
    }));
    assertThat(unvalidated).as("variables where a bad value is possible but nothing refuses it").isEmpty();
  }

  @Test
  void everyOutputHasADescription() {
    List<String> undocumented = new ArrayList<>();
    config.modules().forEach((path, module) -> module.outputs().forEach((name, output) -> {
      if (output.path("description").asText().isBlank()) {
        undocumented.add("terraform/" + path + ": output " + name);
      }
    }));
    assertThat(undocumented).isEmpty();
  }

  @Test
  void everyModuleCallSetsOnlyVariablesTheModuleDeclaresAndAllItRequires() {
    List<String> problems = new ArrayList<>();
    config.modules().forEach((path, module) -> module.moduleCalls().forEach((name, call) -> {
      String target = Path.of(path).resolve(call.path("source").asText()).normalize().toString();
      TerraformConfig.Module callee = config.module(target.isEmpty() ? "." : target);
      Map<String, JsonNode> declared = callee.variables();
      call.fieldNames().forEachRemaining(argument -> {
        if (!List.of("source", "version", "providers", "depends_on", "count", "for_each").contains(argument)
            && !declared.containsKey(argument)) {
          problems.add("terraform/" + path + ": module " + name + " sets undeclared " + argument);
        }
      });
      declared.forEach((variable, declaration) -> {
        if (!declaration.has("default") && !call.has(variable)) {
          problems.add("terraform/" + path + ": module " + name + " misses required " + variable);
        }
      });
    }));
    assertThat(problems).isEmpty();
  }
}
