output "queue_name" {
  description = "Name of the work queue."
  value       = aws_sqs_queue.work.name
}

output "queue_url" {
  description = "URL of the work queue (producer sends, workers receive)."
  value       = aws_sqs_queue.work.id
}

output "queue_arn" {
  description = "ARN of the work queue."
  value       = aws_sqs_queue.work.arn
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}

output "dlq_url" {
  description = "URL of the dead-letter queue (producer inspects and redrives)."
  value       = aws_sqs_queue.dlq.id
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "visibility_timeout_seconds" {
  description = "The work queue's visibility timeout, for the worker's lease setting."
  value       = aws_sqs_queue.work.visibility_timeout_seconds
}

output "max_receive_count" {
  description = "Receives before a message moves to the DLQ."
  value       = var.max_receive_count
}
