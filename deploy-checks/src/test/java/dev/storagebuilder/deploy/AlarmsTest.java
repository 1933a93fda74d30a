package dev.storagebuilder.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Someone hears about dead letters, stuck queues, starving workers and failed runs. */
class AlarmsTest {
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

  @Test
  void sustainedWorkerCpuAndMemoryPressureRaiseAlarms() {
    assertMetric(all.get("worker_cpu_high"), "AWS/ECS", "CPUUtilization");
    assertMetric(all.get("worker_memory_high"), "AWS/ECS", "MemoryUtilization");
    assertThat(Hcl.isReference(all.get("worker_cpu_high").path("threshold"), "var.worker_cpu_threshold_percent")).isTrue();
    assertThat(Hcl.isReference(all.get("worker_memory_high").path("threshold"), "var.worker_memory_threshold_percent")).isTrue();
    assertThat(alarms.variable("worker_cpu_threshold_percent").path("default").asInt()).isEqualTo(80);
    assertThat(alarms.variable("worker_memory_threshold_percent").path("default").asInt()).isEqualTo(85);
  }

  @Test
  void aFailedRunRaisesAnAlarmOnTheFleetsOwnMetric() {
    JsonNode failed = all.get("runs_failed");
    assertThat(Hcl.isReference(failed.path("namespace"), "var.metrics_namespace")).isTrue();
    assertThat(failed.path("metric_name").asText()).isEqualTo("RunsFailed");
    assertThat(alarms.variable("metrics_namespace").path("default").asText()).isEqualTo("StorageBuilder");
    assertThat(config.module(".").local("metrics_namespace").asText()).isEqualTo("StorageBuilder");
  }

  @Test
  void everyAlarmNotifiesTheConfiguredTopicOnFiringAndRecovery() {
    assertThat(all).containsOnlyKeys("dlq_not_empty", "oldest_message_age", "worker_cpu_high", "worker_memory_high", "runs_failed");
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
