output "alarm_arns" {
  description = "ARNs of the alarms by purpose."
  value = {
    dlq_not_empty      = aws_cloudwatch_metric_alarm.dlq_not_empty.arn
    oldest_message_age = aws_cloudwatch_metric_alarm.oldest_message_age.arn
    worker_cpu_high    = aws_cloudwatch_metric_alarm.worker_cpu_high.arn
    worker_memory_high = aws_cloudwatch_metric_alarm.worker_memory_high.arn
  }
}
