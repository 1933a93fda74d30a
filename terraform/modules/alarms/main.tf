locals {
  actions = var.alarm_sns_topic_arn == null ? [] : [var.alarm_sns_topic_arn]

  worker_service_dimensions = {
    ClusterName = var.cluster_name
    ServiceName = var.worker_service_name
  }
}

# Every run starts at the producer (the scheduler's POST /api/runs): with no healthy producer nothing
# is enqueued, so no queue alarm can fire. Five minutes: a deployment keeps the old task healthy until
# the new one is (minimum healthy 100 %), and ECS replaces a crashed task within about two. Missing
# data is not breaching: health checks report a count, 0 included, every minute the load balancer
# exists.
resource "aws_cloudwatch_metric_alarm" "producer_unhealthy" {
  alarm_name          = "${var.name_prefix}-producer-unhealthy"
  alarm_description   = "No healthy producer task behind the admin API's load balancer for 5 minutes: no run can start. See the producer service's events and its target health."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HealthyHostCount"
  dimensions          = { TargetGroup = var.api_target_group_arn_suffix, LoadBalancer = var.api_load_balancer_arn_suffix }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

# Anything on the DLQ is a target that did not sync: look at the reason, fix, redrive. It is also the
# failed-run alarm: a run fails only through a dead-lettered target, and a worker dead-letters a target
# by moving its message here (targets the producer could not send at all are dead-lettered in the run
# ledger only; the request that started the run answers with their count and first error). No
# process publishes a run metric: an alarm on StorageBuilder/RunsFailed never had data, never fired.
resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  alarm_name          = "${var.name_prefix}-dlq-not-empty"
  alarm_description   = "Messages on ${var.dlq_name}: targets failed permanently or exhausted their retries. Inspect with GET /api/dlq, redrive with POST /api/dlq/redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = var.dlq_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "oldest_message_age" {
  alarm_name          = "${var.name_prefix}-work-queue-oldest-message-age"
  alarm_description   = "The oldest message on ${var.queue_name} waited over ${var.oldest_message_age_threshold_seconds} s: workers are not keeping up, not starting, or stuck."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = var.queue_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.oldest_message_age_threshold_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

# Missing data is not breaching: the service has no tasks (and so no datapoints) between runs.
resource "aws_cloudwatch_metric_alarm" "worker_cpu_high" {
  alarm_name          = "${var.name_prefix}-worker-cpu-high"
  alarm_description   = "Worker CPU above ${var.worker_cpu_threshold_percent} % for 15 minutes: raise worker_cpu or lower worker_concurrency."
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  dimensions          = local.worker_service_dimensions
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.worker_cpu_threshold_percent
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "worker_memory_high" {
  alarm_name          = "${var.name_prefix}-worker-memory-high"
  alarm_description   = "Worker memory above ${var.worker_memory_threshold_percent} % for 15 minutes: out-of-memory kills (exit 137) are next. Raise worker_memory or lower worker_concurrency."
  namespace           = "AWS/ECS"
  metric_name         = "MemoryUtilization"
  dimensions          = local.worker_service_dimensions
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.worker_memory_threshold_percent
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}
