resource "aws_appautoscaling_target" "worker" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${var.cluster_name}/${var.service_name}"
  min_capacity       = var.min_capacity
  max_capacity       = var.max_capacity
  tags               = var.tags

  lifecycle {
    precondition {
      condition     = var.min_capacity <= var.max_capacity
      error_message = "min_capacity (${var.min_capacity}) must not exceed max_capacity (${var.max_capacity})."
    }
  }
}

# Backlog per task: visible messages / running worker tasks, held near the target. Queue depth alone
# would scale the same for 1 task or 50; per task it says how long the current fleet needs.
# It only scales out. Its metric counts no message in flight, and ECS stops any task of the service
# on a scale-in (the worker sets no scale-in protection): scaling in on it stopped busy workers, and
# at a run's tail it scaled the last task away under a long target, whose message then went round
# (stop, release, wake, start again) until the redrive policy dead-lettered it. Scale-in is the
# drained policy's below.
resource "aws_appautoscaling_policy" "backlog_per_task" {
  name               = "${var.service_name}-backlog-per-task"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension
  resource_id        = aws_appautoscaling_target.worker.resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.backlog_per_task_target
    scale_out_cooldown = var.scale_out_cooldown_seconds
    disable_scale_in   = true

    customized_metric_specification {
      metrics {
        id          = "visible"
        label       = "Messages visible on the work queue"
        return_data = false

        metric_stat {
          stat = "Average"

          metric {
            namespace   = "AWS/SQS"
            metric_name = "ApproximateNumberOfMessagesVisible"

            dimensions {
              name  = "QueueName"
              value = var.queue_name
            }
          }
        }
      }

      metrics {
        id          = "running"
        label       = "Running worker tasks"
        return_data = false

        metric_stat {
          stat = "Average"

          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"

            dimensions {
              name  = "ClusterName"
              value = var.cluster_name
            }

            dimensions {
              name  = "ServiceName"
              value = var.service_name
            }
          }
        }
      }

      # With no task running the ratio is undefined; the wake-up policy below handles that case.
      metrics {
        id          = "backlog_per_task"
        label       = "Visible messages per running worker task"
        expression  = "IF(running > 0, visible / running, visible)"
        return_data = true
      }
    }
  }
}

# Target tracking cannot scale out from 0 tasks (it scales the current capacity by a ratio). This
# policy starts the first task(s) when messages are visible and none is in flight, i.e. nobody is
# consuming. Once a task receives, in-flight becomes non-zero and the alarm clears.
resource "aws_appautoscaling_policy" "wake_from_zero" {
  name               = "${var.service_name}-wake-from-zero"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension
  resource_id        = aws_appautoscaling_target.worker.resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 120
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_lower_bound = 0
      scaling_adjustment          = var.wake_tasks
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "wake_from_zero" {
  alarm_name          = "${var.service_name}-messages-waiting-without-consumer"
  alarm_description   = "Messages are visible on ${var.queue_name} and none is in flight: start worker tasks."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = 1
  datapoints_to_alarm = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.wake_from_zero.arn]

  metric_query {
    id = "visible"

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      period      = 60
      stat        = "Maximum"
      dimensions = {
        QueueName = var.queue_name
      }
    }
  }

  metric_query {
    id = "in_flight"

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesNotVisible"
      period      = 60
      stat        = "Maximum"
      dimensions = {
        QueueName = var.queue_name
      }
    }
  }

  metric_query {
    id          = "waiting_without_consumer"
    label       = "Messages visible while none is in flight"
    expression  = "IF(visible > 0 AND in_flight == 0, 1, 0)"
    return_data = true
  }

  tags = var.tags
}

# The only scale-in: back to min_capacity once no message has been visible, in flight (held by a
# worker, running or received ahead) or delayed (a postponed target's fresh copy, a retry) for
# drained_minutes. Then no worker holds a message, so stopping the tasks interrupts nothing.
resource "aws_appautoscaling_policy" "scale_in_when_drained" {
  name               = "${var.service_name}-scale-in-when-drained"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension
  resource_id        = aws_appautoscaling_target.worker.resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "ExactCapacity"
    cooldown                = var.scale_in_cooldown_seconds
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_lower_bound = 0
      scaling_adjustment          = var.min_capacity
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "queue_drained" {
  alarm_name          = "${var.service_name}-queue-drained"
  alarm_description   = "No message visible, in flight or delayed on ${var.queue_name} for ${var.drained_minutes} minutes: scale the workers in to ${var.min_capacity}."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = var.drained_minutes
  datapoints_to_alarm = var.drained_minutes
  # No data says nothing about the workers: never stop them on it.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_appautoscaling_policy.scale_in_when_drained.arn]

  metric_query {
    id = "visible"

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      period      = 60
      stat        = "Maximum"
      dimensions = {
        QueueName = var.queue_name
      }
    }
  }

  metric_query {
    id = "in_flight"

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesNotVisible"
      period      = 60
      stat        = "Maximum"
      dimensions = {
        QueueName = var.queue_name
      }
    }
  }

  metric_query {
    id = "delayed"

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesDelayed"
      period      = 60
      stat        = "Maximum"
      dimensions = {
        QueueName = var.queue_name
      }
    }
  }

  metric_query {
    id          = "drained"
    label       = "No message visible, in flight or delayed"
    expression  = "IF(visible + in_flight + delayed == 0, 1, 0)"
    return_data = true
  }

  tags = var.tags
}
