output "api_url" {
  description = "Base URL of the admin API (reachable from operator_cidr_blocks)."
  value       = module.storage_builder.api_url
}

output "cluster_name" {
  description = "ECS cluster of the fleet."
  value       = module.storage_builder.cluster_name
}

output "worker_service_name" {
  description = "ECS service of the workers."
  value       = module.storage_builder.worker_service_name
}

output "snapshot_bucket_name" {
  description = "Bucket holding the snapshots."
  value       = module.storage_builder.snapshot_bucket_name
}

output "queue_url" {
  description = "URL of the work queue."
  value       = module.storage_builder.queue_url
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = module.storage_builder.dlq_url
}

output "worker_security_group_id" {
  description = "Allow this security group on the source database."
  value       = module.storage_builder.worker_security_group_id
}

output "producer_security_group_id" {
  description = "Allow this security group on the source database."
  value       = module.storage_builder.producer_security_group_id
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms."
  value       = aws_sns_topic.alarms.arn
}
