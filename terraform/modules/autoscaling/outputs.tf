output "scalable_target_resource_id" {
  description = "Application Auto Scaling resource id of the worker service."
  value       = aws_appautoscaling_target.worker.resource_id
}

output "backlog_policy_arn" {
  description = "ARN of the backlog-per-task target tracking policy."
  value       = aws_appautoscaling_policy.backlog_per_task.arn
}

output "wake_policy_arn" {
  description = "ARN of the step scaling policy that starts workers from zero."
  value       = aws_appautoscaling_policy.wake_from_zero.arn
}

output "wake_alarm_arn" {
  description = "ARN of the alarm that triggers the wake-up policy."
  value       = aws_cloudwatch_metric_alarm.wake_from_zero.arn
}

output "scale_in_policy_arn" {
  description = "ARN of the step scaling policy that scales the workers in once the queue is drained."
  value       = aws_appautoscaling_policy.scale_in_when_drained.arn
}

output "drained_alarm_arn" {
  description = "ARN of the alarm that triggers the scale-in policy."
  value       = aws_cloudwatch_metric_alarm.queue_drained.arn
}
