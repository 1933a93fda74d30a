output "api_url" {
  description = "Base URL of the producer's admin API (internal load balancer): POST /api/runs, GET /api/runs/{id}, POST /api/dlq/redrive."
  value       = module.services.api_url
}

output "cluster_name" {
  description = "ECS cluster of the fleet."
  value       = module.services.cluster_name
}

output "producer_service_name" {
  description = "ECS service of the producer."
  value       = module.services.producer_service_name
}

output "worker_service_name" {
  description = "ECS service of the workers."
  value       = module.services.worker_service_name
}

output "queue_url" {
  description = "URL of the work queue."
  value       = module.queue.queue_url
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = module.queue.dlq_url
}

output "snapshot_bucket_name" {
  description = "Bucket holding the snapshots."
  value       = module.storage.bucket_name
}

output "snapshot_prefix" {
  description = "Key prefix of the snapshots in the bucket."
  value       = module.storage.snapshot_prefix
}

output "versions_table_name" {
  description = "DynamoDB table of the targets' current versions."
  value       = module.ledger.versions_table_name
}

output "runs_table_name" {
  description = "DynamoDB table of runs and their progress."
  value       = module.ledger.runs_table_name
}

output "producer_log_group_name" {
  description = "CloudWatch log group of the producer."
  value       = module.services.producer_log_group_name
}

output "worker_log_group_name" {
  description = "CloudWatch log group of the workers."
  value       = module.services.worker_log_group_name
}

output "worker_security_group_id" {
  description = "Security group of the workers: allow it on the source database."
  value       = module.services.worker_security_group_id
}

output "producer_security_group_id" {
  description = "Security group of the producer: allow it on the source database."
  value       = module.services.producer_security_group_id
}

output "alarm_arns" {
  description = "ARNs of the alarms by purpose."
  value       = module.alarms.alarm_arns
}
