package dev.storagebuilder.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Someone hears about dead letters, stuck queues, starving workers and failed runs. */
class AlarmsTest {
  private static final String RUN_STATUS = "common/src/main/java/dev/storagebuilder/common/ledger/RunStatus.java";
  private static final String WORKER_ACKNOWLEDGER = "worker/src/main/java/dev/storagebuilder/worker/sqs/SqsAcknowledger.java";

  private final TerraformConfig config = TerraformConfig.repository();
  private final TerraformConfig.Module alarms = config.module("modules/alarms");
  private final Map<String, JsonNode> all = alarms.resources("aws_cloudwatch_metric_alarm");

  @Test
  void anyMessageOnTheDeadLetterQueueRaisesAnAlarm() {
    JsonNode dlq = all.get("dlq_not_empty");
    assertMetric(dlq, "AWS/SQS", "ApproximateNumberOfMessagesVisible");
    assertThat(Hcl.isReference(dlq.path("dimensions").path("QueueName"), "var.dlq_name")).isTrue();
    assertThat(dlq.path("comparison_operator").asText()).isEqualTo("GreaterThanThreshold");
    assertThat(dlq.path("threshold").asInt(-1)).isZero();
  }

  @Test
  void anOldMessageOnTheWorkQueueRaisesAnAlarm() {
    JsonNode age = all.get("oldest_message_age");
    assertMetric(age, "AWS/SQS", "ApproximateAgeOfOldestMessage");
    assertThat(Hcl.isReference(age.path("dimensions").path("QueueName"), "var.queue_name")).isTrue();
    assertThat(Hcl.isReference(age.path("threshold"), "var.oldest_message_age_threshold_seconds")).isTrue();
  }

  /**
   * SQS deletes a message that outlives the work queue's retention without dead-lettering it: an age
   * threshold at or above the retention never fires, and the targets vanish unannounced.
   */
  @Test
  void theOldestMessageAlarmFiresBeforeTheWorkQueueDropsTheMessage(@TempDir Path dir) throws IOException {
    assumeTrue(TerraformCli.binary().isPresent(), "terraform is not on PATH");
    int retention = config.module("modules/queue").variable("message_retention_seconds").path("default").asInt();
    assertThat(retention).isEqualTo(345_600);
    assertThat(config.module(".").moduleCall("queue").has("message_retention_seconds"))
        .as("the root leaves the work queue's retention at the module's default").isFalse();
    Files.copy(Repository.terraform().resolve("variables.tf"), dir.resolve("variables.tf"));
    Files.writeString(dir.resolve("required.tfvars"), ServicesTest.REQUIRED_ROOT_INPUTS);
    String variable = "oldest_message_age_threshold_seconds";

    Processes.Result justBefore = ServicesTest.plan(dir, Map.of(variable, Integer.toString(retention - 60)));
    assertThat(justBefore.exitCode()).as(justBefore.describe()).isZero();
    Processes.Result atRetention = ServicesTest.plan(dir, Map.of(variable, Integer.toString(retention)));
    assertThat(atRetention.exitCode()).as(atRetention.describe()).isNotZero();
    assertThat(atRetention.stderr()).as(atRetention.describe()).contains(variable);
  }

  @Test
  void sustainedWorkerCpuAndMemoryPressureRaiseAlarms() {
    assertMetric(all.get("worker_cpu_high"), "AWS/ECS", "CPUUtilization");
    assertMetric(all.get("worker_memory_high"), "AWS/ECS", "MemoryUtilization");
    assertThat(Hcl.isReference(all.get("worker_cpu_high").path("threshold"), "var.worker_cpu_threshold_percent")).isTrue();
    assertThat(Hcl.isReference(all.get("worker_memory_high").path("threshold"), "var.worker_memory_threshold_percent")).isTrue();
    assertThat(alarms.variable("worker_cpu_threshold_percent").path("default").asInt()).isEqualTo(80);
    assertThat(alarms.variable("worker_memory_threshold_percent").path("default").asInt()).isEqualTo(85);
  }

  /**
   * Every run starts at the producer (the scheduler's POST /api/runs): with no healthy producer behind
   * the load balancer nothing is enqueued, so no queue alarm can fire and nobody hears of it.
   */
  @Test
  void noHealthyProducerBehindTheLoadBalancerRaisesAnAlarm() {
    JsonNode producer = all.get("producer_unhealthy");
    assertMetric(producer, "AWS/ApplicationELB", "HealthyHostCount");
    assertThat(Hcl.isReference(producer.path("dimensions").path("TargetGroup"), "var.api_target_group_arn_suffix")).isTrue();
    assertThat(Hcl.isReference(producer.path("dimensions").path("LoadBalancer"), "var.api_load_balancer_arn_suffix")).isTrue();
    assertThat(producer.path("statistic").asText()).isEqualTo("Minimum");
    assertThat(producer.path("comparison_operator").asText()).isEqualTo("LessThanThreshold");
    assertThat(producer.path("threshold").asInt(-1)).isEqualTo(1);

    TerraformConfig.Module root = config.module(".");
    TerraformConfig.Module services = config.module("modules/services");
    assertThat(Hcl.isReference(root.moduleCall("alarms").path("api_target_group_arn_suffix"),
        "module.services.api_target_group_arn_suffix")).isTrue();
    assertThat(Hcl.isReference(root.moduleCall("alarms").path("api_load_balancer_arn_suffix"),
        "module.services.api_load_balancer_arn_suffix")).isTrue();
    assertThat(Hcl.isReference(services.outputs().get("api_target_group_arn_suffix").path("value"),
        "aws_lb_target_group.producer.arn_suffix")).isTrue();
    assertThat(Hcl.isReference(services.outputs().get("api_load_balancer_arn_suffix").path("value"),
        "aws_lb.api.arn_suffix")).isTrue();
  }

  /**
   * An alarm on a metric no process publishes never has data and never fires: every alarm outside
   * AWS's own namespaces must watch a metric whose name the applications' sources spell out.
   */
  @Test
  void everyAlarmOnTheFleetsOwnMetricsWatchesAMetricTheCodePublishes() throws IOException {
    String sources = applicationSources();
    config.modules().values().forEach(module -> module.resources("aws_cloudwatch_metric_alarm").forEach((name, alarm) -> {
      String namespace = alarm.path("namespace").asText();
      if (!namespace.isEmpty() && !namespace.startsWith("AWS/") && !namespace.startsWith("ECS/")) {
        String metric = alarm.path("metric_name").asText();
        assertThat(sources).as("terraform/%s alarm %s: %s/%s published by the code", module.path(), name, namespace, metric)
            .contains("\"" + metric + "\"");
      }
    }));
  }

  /** A run fails only through a dead-lettered target; the worker dead-letters by sending to the DLQ. */
  @Test
  void aFailedRunRaisesTheDeadLetterQueueAlarm() throws IOException {
    assertThat(Files.readString(Repository.ROOT.resolve(RUN_STATUS)).replaceAll("\\s+", " "))
        .contains("count(TargetState.DEAD_LETTERED) == 0 ? State.SUCCEEDED : State.FAILED");
    assertThat(Files.readString(Repository.ROOT.resolve(WORKER_ACKNOWLEDGER)))
        .contains("queueUrl(deadLetterQueueUrl)");
    assertThat(all).containsKey("dlq_not_empty");
  }

  private static String applicationSources() throws IOException {
    StringBuilder text = new StringBuilder();
    for (String module : List.of("producer", "worker", "common", "aws")) {
      try (Stream<Path> files = Files.walk(Repository.ROOT.resolve(module).resolve("src/main"))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java") || f.toString().endsWith(".yml")).toList()) {
          text.append(Files.readString(file)).append('\n');
        }
      }
    }
    return text.toString();
  }

  @Test
  void everyAlarmNotifiesTheConfiguredTopicOnFiringAndRecovery() {
    assertThat(all).containsOnlyKeys("dlq_not_empty", "oldest_message_age", "worker_cpu_high", "worker_memory_high", "producer_unhealthy");
    all.forEach((name, alarm) -> {
      assertThat(Hcl.isReference(alarm.path("alarm_actions"), "local.actions")).as("%s alarm_actions", name).isTrue();
      assertThat(Hcl.isReference(alarm.path("ok_actions"), "local.actions")).as("%s ok_actions", name).isTrue();
      assertThat(alarm.path("treat_missing_data").asText()).as("%s with no tasks between runs", name).isEqualTo("notBreaching");
    });
    assertThat(Hcl.text(alarms.local("actions"))).isEqualTo("${var.alarm_sns_topic_arn == null ? [] : [var.alarm_sns_topic_arn]}");
    assertThat(Hcl.isReference(config.module(".").moduleCall("alarms").path("alarm_sns_topic_arn"), "var.alarm_sns_topic_arn")).isTrue();
    assertThat(config.module(".").variable("alarm_sns_topic_arn").path("type").asText()).isEqualTo("${string}");
  }

  private static void assertMetric(JsonNode alarm, String namespace, String metric) {
    assertThat(alarm).as("alarm on %s %s", namespace, metric).isNotNull();
    assertThat(alarm.path("namespace").asText()).isEqualTo(namespace);
    assertThat(alarm.path("metric_name").asText()).isEqualTo(metric);
  }
}
