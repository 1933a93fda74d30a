package dev.storagebuilder.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The ECS services: safe deployments, health checks, graceful stops, secrets, sizes from the budget. */
class ServicesTest {
  private static final String SECRET_LIKE = "(?i).*(PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY).*";
  private static final int FARGATE_MAX_STOP_TIMEOUT = 120;
  private static final String MESSAGE_LOOP = "worker/src/main/java/dev/storagebuilder/worker/pipeline/MessageLoop.java";
  private static final String BATCHING_DELETER = "worker/src/main/java/dev/storagebuilder/worker/sqs/BatchingDeleter.java";

  private final TerraformConfig config = TerraformConfig.repository();
  private final TerraformConfig.Module services = config.module("modules/services");

  @Test
  void bothServicesRollBackAFailedDeployment() {
    Map<String, JsonNode> ecsServices = services.resources("aws_ecs_service");
    assertThat(ecsServices).containsOnlyKeys("producer", "worker");
    ecsServices.forEach((name, service) -> {
      JsonNode breaker = Hcl.block(service, "deployment_circuit_breaker");
      assertThat(breaker.path("enable").asBoolean(false)).as("%s circuit breaker enabled", name).isTrue();
      assertThat(breaker.path("rollback").asBoolean(false)).as("%s circuit breaker rollback", name).isTrue();
    });
  }

  /**
   * SIGTERM to SIGKILL must hold the worker's whole stop: MessageLoop.stop drains for the grace, then
   * still waits (bounded) for successes being written to the run ledger and sends the last deletes,
   * waiting for a batch in flight. A stopTimeout of the grace alone killed those writes.
   */
  @Test
  void workerStopTimeoutCoversTheShutdownGraceAndTheWritesAfterIt() throws IOException {
    int afterGrace = secondsConstant(MESSAGE_LOOP, "RECORD_WAIT") + secondsConstant(BATCHING_DELETER, "FLUSH_WAIT");
    int reserved = services.local("worker_stop_after_grace_seconds").asInt();
    assertThat(reserved).as("seconds after the grace: the stop's bounded waits (%d s) and closing the context", afterGrace)
        .isGreaterThanOrEqualTo(afterGrace + 5);

    JsonNode worker = services.local("worker_container");
    assertThat(Hcl.isReference(worker.path("stopTimeout"), "local.worker_stop_timeout_seconds")).isTrue();
    assertThat(Hcl.text(services.local("worker_stop_timeout_seconds")))
        .isEqualTo("${var.worker_shutdown_grace_seconds + local.worker_stop_after_grace_seconds}");
    assertThat(services.local("fargate_max_stop_timeout").asInt()).isEqualTo(FARGATE_MAX_STOP_TIMEOUT);
    assertThat(Hcl.text(services.resource("terraform_data", "task_sizing").path("lifecycle")))
        .contains("local.worker_stop_timeout_seconds <= local.fargate_max_stop_timeout");
    int longestGrace = FARGATE_MAX_STOP_TIMEOUT - reserved;
    for (TerraformConfig.Module module : List.of(services, config.module("."))) {
      assertThat(Hcl.text(module.variable("worker_shutdown_grace_seconds").path("validation")))
          .as("terraform/%s refuses a grace whose stop does not fit Fargate's %d s", module.path(), FARGATE_MAX_STOP_TIMEOUT)
          .contains("var.worker_shutdown_grace_seconds <= " + longestGrace);
    }

    assertThat(Hcl.text(services.resource("aws_ecs_task_definition", "worker").path("container_definitions")))
        .isEqualTo("${jsonencode([local.worker_container])}");
    assertThat(Hcl.text(services.local("worker_environment")).replaceAll("\\s+", " "))
        .contains("STORAGE_BUILDER_WORKER_SHUTDOWN_GRACE = \"${var.worker_shutdown_grace_seconds}s\"");
    assertThat(services.variable("worker_shutdown_grace_seconds").path("default").asInt()).isEqualTo(30);
    assertThat(Hcl.isReference(config.module(".").moduleCall("services").path("worker_shutdown_grace_seconds"), "var.worker_shutdown_grace_seconds"))
        .isTrue();
  }

  private static int secondsConstant(String source, String constant) throws IOException {
    Matcher matcher = Pattern.compile(constant + "\\s*=\\s*Duration\\.ofSeconds\\((\\d+)\\)")
        .matcher(Files.readString(Repository.ROOT.resolve(source)));
    assertThat(matcher.find()).as("%s in %s", constant, source).isTrue();
    return Integer.parseInt(matcher.group(1));
  }

  @Test
  void workerIsConfiguredWithTheQueuesLeaseAndReceiveCount() {
    String environment = Hcl.text(services.local("worker_environment")).replaceAll("\\s+", " ");
    assertThat(environment)
        .contains("STORAGE_BUILDER_WORKER_VISIBILITY_TIMEOUT = \"${var.worker_lease_seconds}s\"")
        .contains("STORAGE_BUILDER_WORKER_MAX_RECEIVE_COUNT = tostring(var.max_receive_count)")
        .contains("STORAGE_BUILDER_WORKER_CONCURRENCY = tostring(var.worker_concurrency)")
        .contains("STORAGE_BUILDER_WORKER_SOURCE_CONCURRENCY_CAP = tostring(var.source_concurrency_cap)");
    JsonNode call = config.module(".").moduleCall("services");
    assertThat(Hcl.isReference(call.path("source_concurrency_cap"), "var.source_concurrency_cap")).isTrue();
    assertThat(services.variable("source_concurrency_cap").path("default").asInt()).isEqualTo(8);
    assertThat(config.module(".").variable("source_concurrency_cap").path("default").asInt()).isEqualTo(8);
    assertThat(Hcl.isReference(call.path("worker_lease_seconds"), "module.queue.visibility_timeout_seconds")).isTrue();
    assertThat(Hcl.isReference(call.path("max_receive_count"), "module.queue.max_receive_count")).isTrue();
    assertThat(Hcl.isReference(call.path("worker_concurrency"), "var.worker_concurrency")).isTrue();
  }

  /**
   * A variable the process never reads configures nothing: Micronaut maps STORAGE_BUILDER_A_B_C onto
   * a property only when the code asks for one (storage-builder.a.b-c), and the other variables are
   * read by name. Every name the task definitions set must be one the code reads, under that name.
   */
  @Test
  void everyEnvironmentVariableTheTasksGetIsOneTheirProcessReads() throws IOException {
    Map<String, List<String>> readers = Map.of(
        "producer", List.of("producer", "common", "aws"),
        "worker", List.of("worker", "common", "aws"));
    List<String> common = new ArrayList<>();
    services.local("common_environment").fieldNames().forEachRemaining(common::add);
    // Either branch of the source choice reaches both tasks (bothServicesGetTheOneSourceSetting).
    common.addAll(literalKeys(services.local("source_environment")));
    Map<String, List<String>> setFor = Map.of(
        "producer", common,
        "worker", Stream.concat(common.stream(), literalKeys(services.local("worker_environment")).stream()).toList());
    assertThat(setFor.get("worker")).contains("STORAGE_BUILDER_WORKER_SHUTDOWN_GRACE", "STORAGE_BUILDER_AWS_QUEUE");
    assertThat(setFor.get("producer")).contains("STORAGE_BUILDER_SOURCE_CONFIG_JSON", "STORAGE_BUILDER_SOURCE_JDBC_URL");

    List<String> unread = new ArrayList<>();
    for (String process : List.of("producer", "worker")) {
      List<String> sources = sources(readers.get(process));
      for (String name : setFor.get(process)) {
        if (sources.stream().noneMatch(source -> reads(source, name))) {
          unread.add(process + ": " + name);
        }
      }
    }
    assertThat(unread).as("environment variables set in terraform/modules/services that the code never reads").isEmpty();
  }

  /**
   * The tasks sync the operator's declarations only if STORAGE_BUILDER_SOURCE_CONFIG_JSON reaches
   * both of them; the demo URL must not come along, as the applications refuse more than one source
   * setting (and a URL alone syncs the built-in demo declarations).
   */
  @Test
  void bothServicesGetTheOneSourceSetting() {
    assertThat(Hcl.text(services.local("source_environment")).replaceAll("\\s+", " "))
        .isEqualTo("${var.source_config_json == null ? tomap({ STORAGE_BUILDER_SOURCE_JDBC_URL = var.source_jdbc_url })"
            + " : tomap({ STORAGE_BUILDER_SOURCE_CONFIG_JSON = jsonencode(jsondecode(var.source_config_json)) })}");
    for (String container : List.of("producer", "worker")) {
      assertThat(Hcl.text(services.local(container + "_environment")))
          .as("%s environment", container)
          .startsWith("${merge(var." + container + "_environment, local.common_environment, local.source_environment");
    }
    List<String> common = new ArrayList<>();
    services.local("common_environment").fieldNames().forEachRemaining(common::add);
    assertThat(common).noneMatch(name -> name.startsWith("STORAGE_BUILDER_SOURCE_"));
    assertThat(Hcl.text(services.resource("terraform_data", "source_declarations").path("lifecycle")))
        .contains("(var.source_config_json == null) != (var.source_jdbc_url == null)");
    JsonNode call = config.module(".").moduleCall("services");
    assertThat(Hcl.isReference(call.path("source_config_json"), "var.source_config_json")).isTrue();
    assertThat(Hcl.isReference(call.path("source_jdbc_url"), "var.source_jdbc_url")).isTrue();
    assertThat(Hcl.text(config.module("examples/complete").moduleCall("storage_builder").path("source_config_json")))
        .isEqualTo("${var.source_config_file == null ? null : file(var.source_config_file)}");
  }

  private static final Pattern PROPERTY_PREFIX = Pattern.compile("\"(storage-builder\\.[a-z0-9.-]*\\.)\"");
  private static final Pattern STRING_LITERAL = Pattern.compile("\"([a-z0-9.-]+)\"");

  /** The name itself (a placeholder, a lookup), or a property prefix and the rest of the name in one file. */
  private static boolean reads(String source, String name) {
    if (source.contains(name)) {
      return true;
    }
    Matcher prefixes = PROPERTY_PREFIX.matcher(source);
    while (prefixes.find()) {
      String prefix = environmentName(prefixes.group(1));
      if (name.startsWith(prefix)) {
        String rest = name.substring(prefix.length());
        Matcher literals = STRING_LITERAL.matcher(source);
        while (literals.find()) {
          if (environmentName(literals.group(1)).equals(rest)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static String environmentName(String property) {
    return property.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private static List<String> literalKeys(JsonNode expression) {
    List<String> keys = new ArrayList<>();
    Matcher key = Pattern.compile("\\b(STORAGE_BUILDER_[A-Z0-9_]+)\\s*=").matcher(Hcl.text(expression));
    while (key.find()) {
      keys.add(key.group(1));
    }
    return keys;
  }

  private static List<String> sources(List<String> modules) throws IOException {
    List<String> sources = new ArrayList<>();
    for (String module : modules) {
      try (Stream<Path> files = Files.walk(Repository.ROOT.resolve(module).resolve("src/main"))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java") || f.toString().endsWith(".yml")).toList()) {
          sources.add(Files.readString(file));
        }
      }
    }
    return sources;
  }

  @Test
  void containersCheckTheirHealthRouteWithToolsTheImageHas() {
    assertThat(services.local("producer_health_path").asText()).isEqualTo("/health");
    assertThat(services.local("worker_health_path").asText())
        .as("a dependency outage must not get workers restarted")
        .isEqualTo("/health/liveness");
    assertThat(services.local("producer_port").asInt()).isEqualTo(8080);
    assertThat(services.local("worker_port").asInt()).isEqualTo(8081);
    for (String container : List.of("producer", "worker")) {
      JsonNode healthCheck = services.local(container + "_container").path("healthCheck");
      List<String> command = Hcl.strings(healthCheck.path("command"));
      assertThat(command).as("%s health check", container).hasSize(2);
      assertThat(command.get(0)).isEqualTo("CMD-SHELL");
      assertThat(command.get(1))
          .startsWith("wget -qO- http://127.0.0.1:${local." + container + "_port}${local." + container + "_health_path}")
          .endsWith("|| exit 1");
      assertThat(healthCheck.path("startPeriod").asInt()).as("%s start period", container).isBetween(10, 300);
    }
  }

  @Test
  void producerIsReachedOnlyThroughAnInternalLoadBalancerThatChecksHealth() {
    assertThat(services.resource("aws_lb", "api").path("internal").asBoolean(false)).isTrue();
    JsonNode healthCheck = Hcl.block(services.resource("aws_lb_target_group", "producer"), "health_check");
    assertThat(Hcl.isReference(healthCheck.path("path"), "local.producer_health_path")).isTrue();
    assertThat(healthCheck.path("matcher").asText()).isEqualTo("200");
    JsonNode loadBalancer = Hcl.block(services.resource("aws_ecs_service", "producer"), "load_balancer");
    assertThat(Hcl.text(loadBalancer.path("target_group_arn"))).isEqualTo("${aws_lb_target_group.producer.arn}");
    assertThat(Hcl.text(services.resource("aws_vpc_security_group_ingress_rule", "producer_from_alb").path("referenced_security_group_id")))
        .isEqualTo("${aws_security_group.alb.id}");
    services.resources("aws_ecs_service").forEach((name, service) ->
        assertThat(Hcl.block(service, "network_configuration").path("assign_public_ip").asBoolean(true)).as("%s public ip", name).isFalse());
  }

  /**
   * A DLQ stats or redrive request answers when its walk is over: up to the producer's hold (receives
   * for half of it, the work after them) and, as walks take turns, after one other walk. At the
   * load balancer's default idle timeout, 60 s, such a request got a 504 while the producer carried
   * on, and the operator could not tell what happened.
   */
  @Test
  void theLoadBalancerWaitsForTheLongestDlqWalk() throws Exception {
    String scanner = Files.readString(
        Repository.ROOT.resolve("producer/src/main/java/dev/storagebuilder/producer/dlq/DlqScanner.java"));
    Matcher hold = Pattern.compile("HOLD = Duration\\.ofMinutes\\((\\d+)\\)").matcher(scanner);
    assertThat(hold.find()).as("DlqScanner.HOLD in minutes").isTrue();
    long walkSeconds = Long.parseLong(hold.group(1)) * 60;

    JsonNode idleTimeout = services.resource("aws_lb", "api").path("idle_timeout");

    assertThat(idleTimeout.isMissingNode()).as("aws_lb.api idle_timeout set (default 60 s)").isFalse();
    assertThat(idleTimeout.asLong()).isGreaterThanOrEqualTo(2 * walkSeconds);
  }

  @Test
  void secretsComeFromSecretsManagerAndNeverFromPlainEnvironment() {
    for (String container : List.of("producer", "worker")) {
      assertThat(Hcl.text(services.local(container + "_container").path("secrets")))
          .isEqualTo("${[for k in sort(keys(var." + container + "_secrets)) : { name = k, valueFrom = var." + container + "_secrets[k] }]}");
      assertThat(Hcl.text(services.variable(container + "_secrets").path("validation"))).contains(":secretsmanager:");
      assertThat(Hcl.text(services.variable(container + "_environment").path("validation"))).contains("PASSWORD|SECRET|TOKEN");
    }
    List<String> plainNames = new ArrayList<>();
    services.local("common_environment").fieldNames().forEachRemaining(plainNames::add);
    assertThat(plainNames).isNotEmpty().noneMatch(name -> name.matches(SECRET_LIKE));
  }

  @Test
  void logsGoToTheServicesOwnCloudWatchLogGroups() {
    for (String container : List.of("producer", "worker")) {
      JsonNode logging = services.local(container + "_container").path("logConfiguration");
      assertThat(logging.path("logDriver").asText()).isEqualTo("awslogs");
      assertThat(logging.path("options").path("awslogs-group").asText()).isEqualTo("${aws_cloudwatch_log_group." + container + ".name}");
      assertThat(Hcl.isReference(services.resource("aws_cloudwatch_log_group", container).path("retention_in_days"), "var.log_retention_days"))
          .isTrue();
    }
  }

  @Test
  void workerSizeVariablesRefuseUndersizedTasks() {
    assertThat(Hcl.text(services.variable("worker_cpu").path("validation"))).contains("[512, 1024, 2048, 4096, 8192, 16384]");
    assertThat(Hcl.text(services.variable("worker_memory").path("validation"))).contains("var.worker_memory >= 1024");
    assertThat(Hcl.text(config.module(".").variable("worker_cpu").path("validation"))).contains("[512, 1024, 2048, 4096, 8192, 16384]");
    assertThat(Hcl.text(config.module(".").variable("worker_memory").path("validation"))).contains("var.worker_memory >= 1024");
    assertThat(Hcl.text(services.resource("terraform_data", "task_sizing").path("lifecycle")))
        .contains("var.worker_memory >= var.worker_concurrency * local.worker_memory_per_target_mib");
    assertThat(services.local("worker_memory_per_target_mib").asInt()).isEqualTo(512);
  }

  // --- behaviour: terraform itself evaluates the validations (offline: no provider is needed) -----

  static Stream<Arguments> taskSizes() {
    return Stream.of(
        Arguments.of("the measured size (1 vCPU, 2 GiB, 4 targets)", Map.of(), null),
        Arguments.of("the smallest worker (0.5 vCPU, 1 GiB, 2 targets)", Map.of("worker_cpu", "512", "worker_memory", "1024", "worker_concurrency", "2"), null),
        Arguments.of("8 targets in 4 GiB", Map.of("worker_concurrency", "8", "worker_memory", "4096"), null),
        Arguments.of("the legacy's 0.004 vCPU", Map.of("worker_cpu", "4"), "worker_cpu"),
        Arguments.of("a quarter vCPU", Map.of("worker_cpu", "256", "worker_memory", "1024"), "worker_cpu"),
        Arguments.of("512 MiB", Map.of("worker_memory", "512"), "worker_memory"),
        Arguments.of("1 GiB for 1 vCPU, which Fargate does not offer", Map.of("worker_memory", "1024", "worker_concurrency", "2"), "not a Fargate size"),
        Arguments.of("8 targets in 2 GiB, over the memory budget", Map.of("worker_concurrency", "8"), "under the budget"),
        Arguments.of("a stopTimeout Fargate does not allow", Map.of("worker_shutdown_grace_seconds", "300"), "worker_shutdown_grace_seconds"),
        Arguments.of("the longest grace whose stop fits Fargate's 120 s", Map.of("worker_shutdown_grace_seconds", "95"), null),
        Arguments.of("a grace that leaves the last writes no time within 120 s", Map.of("worker_shutdown_grace_seconds", "100"), "worker_shutdown_grace_seconds"),
        Arguments.of("a producer without API tokens", Map.of("producer_secrets", "{ DB_PASSWORD = \"" + secret("db") + "\" }"), "STORAGE_BUILDER_API_TOKENS"),
        Arguments.of("a password in the plain environment", Map.of("worker_environment", "{ DB_PASSWORD = \"hunter2\" }"), "worker_environment"),
        Arguments.of("no source cap", Map.of("source_concurrency_cap", "0"), null),
        Arguments.of("a negative source cap", Map.of("source_concurrency_cap", "-1"), "source_concurrency_cap"),
        Arguments.of("a fractional source cap", Map.of("source_concurrency_cap", "2.5"), "source_concurrency_cap"),
        Arguments.of("an image tagged latest", Map.of("worker_image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/w:latest"), "worker_image"));
  }

  @ParameterizedTest(name = "services module: {0}")
  @MethodSource("taskSizes")
  void planAcceptsOnlyTaskSizesAndSettingsWithinTheBudget(String description, Map<String, String> overrides, String refusalMentions, @TempDir Path dir)
      throws IOException {
    assumeTrue(TerraformCli.binary().isPresent(), "terraform is not on PATH");
    Path module = Repository.terraform().resolve("modules/services");
    Files.copy(module.resolve("variables.tf"), dir.resolve("variables.tf"));
    Files.copy(module.resolve("sizing.tf"), dir.resolve("sizing.tf"));
    Files.copy(module.resolve("source.tf"), dir.resolve("source.tf"));
    Files.writeString(dir.resolve("required.tfvars"), REQUIRED_SERVICES_INPUTS);
    Processes.Result plan = plan(dir, overrides);
    if (refusalMentions == null) {
      assertThat(plan.exitCode()).as(plan.describe()).isZero();
    } else {
      assertThat(plan.exitCode()).as(plan.describe()).isNotZero();
      assertThat(plan.stderr()).as(plan.describe()).contains(refusalMentions);
    }
  }

  static Stream<Arguments> sourceSettings() {
    String declarations = """
        {"jdbcUrl": "jdbc:postgresql://db.internal:5432/app", "username": "reader",
         "passwordEnv": "STORAGE_BUILDER_SOURCE_PASSWORD", "clientsQuery": "SELECT id FROM clients",
         "targets": []}""";
    String url = "jdbc:postgresql://db.internal:5432/app";
    return Stream.of(
        Arguments.of("the demo URL alone", Map.of("source_jdbc_url", url), "STORAGE_BUILDER_SOURCE_JDBC_URL"),
        Arguments.of("the declarations alone", Map.of("source_config_json", declarations), "STORAGE_BUILDER_SOURCE_CONFIG_JSON"),
        Arguments.of("both", Map.of("source_jdbc_url", url, "source_config_json", declarations), "exactly one of source_config_json"),
        Arguments.of("neither", Map.of(), "exactly one of source_config_json"),
        Arguments.of("not JSON", Map.of("source_config_json", "{targets: []}"), "must be a JSON object with a targets array"),
        Arguments.of("JSON without targets", Map.of("source_config_json", "{\"jdbcUrl\": \"" + url + "\"}"), "must be a JSON object with a targets array"),
        Arguments.of("a password in the declarations",
            Map.of("source_config_json", declarations.replace("\"username\"", "\"password\": \"hunter2\", \"username\"")), "must hold no password"),
        Arguments.of("a password in the declarations' URL",
            Map.of("source_config_json", declarations.replace("/app\"", "/app?password=hunter2\"")), "must hold no password"),
        Arguments.of("declarations over 32 KiB",
            Map.of("source_config_json", declarations.replace("SELECT id", "SELECT id" + " ".repeat(100) + "x".repeat(33_000))),
            "at most 32 KiB"));
  }

  /** Which of the two source variables reaches the tasks, and what terraform refuses before an apply. */
  @ParameterizedTest(name = "services module: {0}")
  @MethodSource("sourceSettings")
  void planPassesExactlyOneSourceSetting(String description, Map<String, String> variables, String expected, @TempDir Path dir)
      throws IOException {
    assumeTrue(TerraformCli.binary().isPresent(), "terraform is not on PATH");
    Path module = Repository.terraform().resolve("modules/services");
    for (String file : List.of("variables.tf", "sizing.tf", "source.tf")) {
      Files.copy(module.resolve(file), dir.resolve(file));
    }
    Files.writeString(dir.resolve("required.tfvars"), REQUIRED_SERVICES_INPUTS.replaceAll("(?m)^\\s*source_jdbc_url .*\\n", ""));
    Processes.Result plan = plan(dir, variables);
    if (expected.startsWith("STORAGE_BUILDER_")) {
      assertThat(plan.exitCode()).as(plan.describe()).isZero();
      assertThat(plan.stdout()).as(plan.describe()).containsPattern("input\\s*=\\s*\\[\\s*\\+?\\s*\"" + expected + "\",?\\s*\\]");
    } else {
      assertThat(plan.exitCode()).as(plan.describe()).isNotZero();
      assertThat(plan.stderr().replaceAll("[\\s│]+", " ")).as(plan.describe()).contains(expected);
    }
  }

  @Test
  void rootModuleRefusesAnUndersizedWorkerBeforeAnyModuleRuns(@TempDir Path dir) throws IOException {
    assumeTrue(TerraformCli.binary().isPresent(), "terraform is not on PATH");
    Files.copy(Repository.terraform().resolve("variables.tf"), dir.resolve("variables.tf"));
    Files.writeString(dir.resolve("required.tfvars"), REQUIRED_ROOT_INPUTS);
    assertThat(plan(dir, Map.of()).exitCode()).isZero();
    Processes.Result refused = plan(dir, Map.of("worker_cpu", "256", "worker_memory", "512"));
    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.stderr()).contains("worker_cpu").contains("worker_memory");
  }

  static Stream<Arguments> cidrBlockVariables() {
    String example = """
        vpc_id                = "vpc-0123456789abcdef0"
        private_subnet_ids    = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
        operator_cidr_blocks  = ["10.20.0.0/16"]
        source_db_cidr_blocks = ["10.0.32.0/20"]
        source_db_secret_arn  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:storage-builder/db-AbCdEf"
        api_tokens_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:storage-builder/api-tokens-AbCdEf"
        image_tag             = "0.1.0"
        """;
    return Stream.of(
        Arguments.of(".", REQUIRED_ROOT_INPUTS, "api_allowed_cidr_blocks"),
        Arguments.of(".", REQUIRED_ROOT_INPUTS, "source_db_cidr_blocks"),
        Arguments.of("modules/services", REQUIRED_SERVICES_INPUTS, "api_allowed_cidr_blocks"),
        Arguments.of("modules/services", REQUIRED_SERVICES_INPUTS, "source_db_cidr_blocks"),
        Arguments.of("examples/complete", example, "operator_cidr_blocks"),
        Arguments.of("examples/complete", example, "source_db_cidr_blocks"));
  }

  /**
   * The security group rules take the blocks as cidr_ipv4: an IPv6 block must be refused at plan
   * time, naming the variable, not by EC2 halfway through an apply.
   */
  @ParameterizedTest(name = "terraform/{0}: {2}")
  @MethodSource("cidrBlockVariables")
  void planRefusesAnIpv6BlockWhereTheSecurityGroupRulesTakeIpv4(String module, String inputs, String variable, @TempDir Path dir)
      throws IOException {
    assumeTrue(TerraformCli.binary().isPresent(), "terraform is not on PATH");
    Files.copy(Repository.terraform().resolve(module).resolve("variables.tf"), dir.resolve("variables.tf"));
    Files.writeString(dir.resolve("required.tfvars"), inputs);
    assertThat(plan(dir, Map.of(variable, "[\"10.9.0.0/16\"]")).exitCode()).as("an IPv4 block").isZero();
    Processes.Result refused = plan(dir, Map.of(variable, "[\"fd00:10::/56\"]"));
    assertThat(refused.exitCode()).as(refused.describe()).isNotZero();
    assertThat(refused.stderr()).as(refused.describe()).contains(variable);
  }

  static Processes.Result plan(Path dir, Map<String, String> overrides) {
    List<String> arguments = new ArrayList<>(List.of("plan", "-input=false", "-lock=false", "-refresh=false", "-no-color", "-var-file=required.tfvars"));
    overrides.forEach((name, value) -> arguments.add("-var=" + name + "=" + value));
    return TerraformCli.run(dir, arguments);
  }

  private static String secret(String name) {
    return "arn:aws:secretsmanager:us-east-1:123456789012:secret:storage-builder/" + name + "-AbCdEf";
  }

  private static final String REQUIRED_SERVICES_INPUTS = """
      name_prefix             = "sb-test"
      vpc_id                  = "vpc-0123456789abcdef0"
      subnet_ids              = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
      api_allowed_cidr_blocks = ["10.20.0.0/16"]
      source_db_cidr_blocks   = ["10.0.32.0/20"]
      source_jdbc_url         = "jdbc:postgresql://db.internal:5432/app"
      producer_image          = "123456789012.dkr.ecr.us-east-1.amazonaws.com/storage-builder/producer:0.1.0"
      worker_image            = "123456789012.dkr.ecr.us-east-1.amazonaws.com/storage-builder/worker:0.1.0"
      worker_lease_seconds    = 300
      queue_name              = "sb-test-work"
      queue_arn               = "arn:aws:sqs:us-east-1:123456789012:sb-test-work"
      dlq_name                = "sb-test-work-dlq"
      dlq_arn                 = "arn:aws:sqs:us-east-1:123456789012:sb-test-work-dlq"
      bucket_name             = "sb-test-snapshots"
      bucket_arn              = "arn:aws:s3:::sb-test-snapshots"
      versions_table_name     = "sb-test-versions"
      versions_table_arn      = "arn:aws:dynamodb:us-east-1:123456789012:table/sb-test-versions"
      runs_table_name         = "sb-test-runs"
      runs_table_arn          = "arn:aws:dynamodb:us-east-1:123456789012:table/sb-test-runs"
      producer_secrets = {
        STORAGE_BUILDER_API_TOKENS = "arn:aws:secretsmanager:us-east-1:123456789012:secret:storage-builder/api-tokens-AbCdEf"
      }
      worker_secrets = {
        STORAGE_BUILDER_SOURCE_PASSWORD = "arn:aws:secretsmanager:us-east-1:123456789012:secret:storage-builder/db-AbCdEf:password::"
      }
      """;

  static final String REQUIRED_ROOT_INPUTS = """
      name_prefix             = "sb-test"
      vpc_id                  = "vpc-0123456789abcdef0"
      subnet_ids              = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
      api_allowed_cidr_blocks = ["10.20.0.0/16"]
      source_db_cidr_blocks   = ["10.0.32.0/20"]
      source_jdbc_url         = "jdbc:postgresql://db.internal:5432/app"
      producer_image          = "123456789012.dkr.ecr.us-east-1.amazonaws.com/storage-builder/producer:0.1.0"
      worker_image            = "123456789012.dkr.ecr.us-east-1.amazonaws.com/storage-builder/worker:0.1.0"
      snapshot_bucket_name    = "sb-test-snapshots"
      producer_secrets = {
        STORAGE_BUILDER_API_TOKENS = "arn:aws:secretsmanager:us-east-1:123456789012:secret:storage-builder/api-tokens-AbCdEf"
      }
      worker_secrets = {
        STORAGE_BUILDER_SOURCE_PASSWORD = "arn:aws:secretsmanager:us-east-1:123456789012:secret:storage-builder/db-AbCdEf:password::"
      }
      """;
}
