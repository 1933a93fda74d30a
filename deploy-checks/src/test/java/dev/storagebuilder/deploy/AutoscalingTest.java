package dev.storagebuilder.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Workers scale on backlog per task, down to zero, and are woken when work arrives. */
class AutoscalingTest {
  /** Where the worker would call the ECS agent to protect its task from scale-in. */
  private static final List<String> WORKER_SOURCES = List.of("worker/src/main/java", "aws/src/main/java", "common/src/main/java");
  private static final String WORKER_ACKNOWLEDGER = "worker/src/main/java/dev/storagebuilder/worker/sqs/SqsAcknowledger.java";

  private final TerraformConfig config = TerraformConfig.repository();
  private final TerraformConfig.Module autoscaling = config.module("modules/autoscaling");

  @Test
  void workerCountIsTheScalableTargetBetweenMinAndMax() {
    JsonNode target = autoscaling.resource("aws_appautoscaling_target", "worker");
    assertThat(target.path("service_namespace").asText()).isEqualTo("ecs");
    assertThat(target.path("scalable_dimension").asText()).isEqualTo("ecs:service:DesiredCount");
    assertThat(Hcl.text(target.path("resource_id"))).isEqualTo("service/${var.cluster_name}/${var.service_name}");
    assertThat(Hcl.isReference(target.path("min_capacity"), "var.min_capacity")).isTrue();
    assertThat(Hcl.isReference(target.path("max_capacity"), "var.max_capacity")).isTrue();
    JsonNode call = config.module(".").moduleCall("autoscaling");
    assertThat(Hcl.isReference(call.path("service_name"), "module.services.worker_service_name")).isTrue();
    assertThat(Hcl.isReference(call.path("queue_name"), "module.queue.queue_name")).isTrue();
  }

  @Test
  void workersMayScaleToZero() {
    assertThat(autoscaling.variable("min_capacity").path("default").asInt(-1)).isZero();
    assertThat(Hcl.text(autoscaling.variable("min_capacity").path("validation"))).contains("var.min_capacity >= 0");
    assertThat(config.module(".").variable("worker_min_count").path("default").asInt(-1)).isZero();
    assertThat(Hcl.text(config.module(".").variable("worker_min_count").path("validation"))).contains("var.worker_min_count >= 0");
    assertThat(Hcl.text(config.module("modules/services").resource("aws_ecs_service", "worker").path("lifecycle")))
        .as("Terraform leaves the worker count to autoscaling")
        .contains("desired_count");
  }

  @Test
  void targetTrackingHoldsVisibleMessagesPerRunningTaskByMetricMath() {
    JsonNode policy = autoscaling.resource("aws_appautoscaling_policy", "backlog_per_task");
    assertThat(policy.path("policy_type").asText()).isEqualTo("TargetTrackingScaling");
    JsonNode configuration = Hcl.block(policy, "target_tracking_scaling_policy_configuration");
    assertThat(Hcl.isReference(configuration.path("target_value"), "var.backlog_per_task_target")).isTrue();

    Map<String, JsonNode> metrics = Hcl.blocks(Hcl.block(configuration, "customized_metric_specification"), "metrics").stream()
        .collect(Collectors.toMap(m -> m.path("id").asText(), m -> m));
    JsonNode visible = Hcl.block(Hcl.block(metrics.get("visible"), "metric_stat"), "metric");
    assertThat(visible.path("namespace").asText()).isEqualTo("AWS/SQS");
    assertThat(visible.path("metric_name").asText()).isEqualTo("ApproximateNumberOfMessagesVisible");
    assertThat(Hcl.block(visible, "dimensions").path("name").asText()).isEqualTo("QueueName");
    assertThat(Hcl.isReference(Hcl.block(visible, "dimensions").path("value"), "var.queue_name")).isTrue();

    JsonNode running = Hcl.block(Hcl.block(metrics.get("running"), "metric_stat"), "metric");
    assertThat(running.path("namespace").asText()).isEqualTo("ECS/ContainerInsights");
    assertThat(running.path("metric_name").asText()).isEqualTo("RunningTaskCount");
    assertThat(Hcl.blocks(running, "dimensions")).extracting(d -> d.path("name").asText()).containsExactlyInAnyOrder("ClusterName", "ServiceName");

    JsonNode backlog = metrics.get("backlog_per_task");
    assertThat(backlog.path("expression").asText()).contains("visible / running");
    assertThat(metrics.values()).filteredOn(m -> m.path("return_data").asBoolean(false)).containsExactly(backlog);
  }

  @Test
  void clusterPublishesTheRunningTaskCountTheScalingMetricDividesBy() {
    JsonNode cluster = config.module("modules/services").resource("aws_ecs_cluster", "this");
    assertThat(Hcl.blocks(cluster, "setting")).anyMatch(s ->
        s.path("name").asText().equals("containerInsights") && List.of("enabled", "enhanced").contains(s.path("value").asText()));
  }

  @Test
  void aStepPolicyWakesTheWorkersWhenMessagesWaitAndNoneIsInFlight() {
    JsonNode wake = autoscaling.resource("aws_appautoscaling_policy", "wake_from_zero");
    assertThat(wake.path("policy_type").asText()).isEqualTo("StepScaling");
    JsonNode step = Hcl.block(wake, "step_scaling_policy_configuration");
    assertThat(step.path("adjustment_type").asText()).isEqualTo("ChangeInCapacity");
    JsonNode adjustment = Hcl.block(step, "step_adjustment");
    assertThat(adjustment.path("metric_interval_lower_bound").asInt(-1)).isZero();
    assertThat(Hcl.isReference(adjustment.path("scaling_adjustment"), "var.wake_tasks")).isTrue();

    JsonNode alarm = autoscaling.resource("aws_cloudwatch_metric_alarm", "wake_from_zero");
    assertThat(Hcl.strings(alarm.path("alarm_actions"))).containsExactly("${aws_appautoscaling_policy.wake_from_zero.arn}");
    Map<String, JsonNode> queries = Hcl.blocks(alarm, "metric_query").stream().collect(Collectors.toMap(q -> q.path("id").asText(), q -> q));
    assertThat(Hcl.block(queries.get("visible"), "metric").path("metric_name").asText()).isEqualTo("ApproximateNumberOfMessagesVisible");
    assertThat(Hcl.block(queries.get("in_flight"), "metric").path("metric_name").asText()).isEqualTo("ApproximateNumberOfMessagesNotVisible");
    assertThat(queries.values()).filteredOn(q -> q.path("return_data").asBoolean(false))
        .singleElement()
        .satisfies(q -> assertThat(q.path("expression").asText()).contains("visible > 0").contains("in_flight == 0"));
    assertThat(alarm.path("comparison_operator").asText()).isEqualTo("GreaterThanOrEqualToThreshold");
    assertThat(alarm.path("threshold").asInt()).isEqualTo(1);
  }

  /**
   * ECS stops any task of the service on a scale-in. Unless the worker protects itself (the ECS
   * agent's task-protection endpoint), a scale-in may stop a task in the middle of its targets; and
   * the backlog metric counts no message in flight, so at a run's tail it scaled the last task away
   * under a long target, which then went round (stop, release, wake, start again) until the redrive
   * policy dead-lettered it. So the fleet scales in only when the queue holds no message at all.
   */
  @Test
  void workersAreScaledInOnlyOnceNoMessageIsVisibleInFlightOrDelayed() {
    if (!workerSetsScaleInProtection()) {
      JsonNode tracking = Hcl.block(autoscaling.resource("aws_appautoscaling_policy", "backlog_per_task"),
          "target_tracking_scaling_policy_configuration");
      assertThat(tracking.path("disable_scale_in").asBoolean(false))
          .as("target tracking on visible messages per task must not scale in: the worker sets no scale-in protection")
          .isTrue();
    }

    JsonNode policy = autoscaling.resource("aws_appautoscaling_policy", "scale_in_when_drained");
    assertThat(policy.path("policy_type").asText()).isEqualTo("StepScaling");
    JsonNode step = Hcl.block(policy, "step_scaling_policy_configuration");
    assertThat(step.path("adjustment_type").asText()).isEqualTo("ExactCapacity");
    JsonNode adjustment = Hcl.block(step, "step_adjustment");
    assertThat(adjustment.path("metric_interval_lower_bound").asInt(-1)).isZero();
    assertThat(Hcl.isReference(adjustment.path("scaling_adjustment"), "var.min_capacity")).isTrue();

    JsonNode alarm = autoscaling.resource("aws_cloudwatch_metric_alarm", "queue_drained");
    assertThat(Hcl.strings(alarm.path("alarm_actions"))).containsExactly("${aws_appautoscaling_policy.scale_in_when_drained.arn}");
    assertThat(alarm.path("comparison_operator").asText()).isEqualTo("GreaterThanOrEqualToThreshold");
    assertThat(alarm.path("threshold").asInt()).isEqualTo(1);
    assertThat(alarm.path("treat_missing_data").asText()).as("no data must never stop workers").isIn("notBreaching", "missing");
    assertThat(Hcl.isReference(alarm.path("evaluation_periods"), "var.drained_minutes")).isTrue();
    assertThat(Hcl.isReference(alarm.path("datapoints_to_alarm"), "var.drained_minutes")).isTrue();

    Map<String, JsonNode> queries = Hcl.blocks(alarm, "metric_query").stream().collect(Collectors.toMap(q -> q.path("id").asText(), q -> q));
    Map<String, String> counted = Map.of(
        "visible", "ApproximateNumberOfMessagesVisible",
        "in_flight", "ApproximateNumberOfMessagesNotVisible",
        "delayed", "ApproximateNumberOfMessagesDelayed");
    counted.forEach((id, metricName) -> {
      assertThat(queries).as("the drained alarm counts %s", metricName).containsKey(id);
      JsonNode metric = Hcl.block(queries.get(id), "metric");
      assertThat(metric.path("namespace").asText()).isEqualTo("AWS/SQS");
      assertThat(metric.path("metric_name").asText()).isEqualTo(metricName);
      assertThat(metric.path("stat").asText()).as("%s: any message during a minute counts", id).isEqualTo("Maximum");
      assertThat(Hcl.isReference(metric.path("dimensions").path("QueueName"), "var.queue_name")).isTrue();
    });
    assertThat(source(WORKER_ACKNOWLEDGER))
        .as("the worker postpones targets as delayed copies, which the drained alarm must count")
        .contains(".delaySeconds(");
    assertThat(queries.values()).filteredOn(q -> q.path("return_data").asBoolean(false))
        .singleElement()
        .satisfies(q -> assertThat(q.path("expression").asText().replaceAll("\\s+", ""))
            .isEqualTo("IF(visible+in_flight+delayed==0,1,0)"));
    assertThat(autoscaling.variable("drained_minutes").path("default").asInt()).isEqualTo(15);
  }

  private static boolean workerSetsScaleInProtection() {
    for (String directory : WORKER_SOURCES) {
      try (Stream<Path> files = Files.walk(Repository.ROOT.resolve(directory))) {
        if (files.filter(f -> f.toString().endsWith(".java")).anyMatch(f -> source(f).contains("task-protection/v1/state"))) {
          return true;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return false;
  }

  private static String source(String relative) {
    return source(Repository.ROOT.resolve(relative));
  }

  private static String source(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
