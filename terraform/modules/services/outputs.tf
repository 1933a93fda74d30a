output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "producer_service_name" {
  description = "Name of the producer's ECS service."
  value       = aws_ecs_service.producer.name
}

output "worker_service_name" {
  description = "Name of the worker's ECS service (the autoscaling target)."
  value       = aws_ecs_service.worker.name
}

output "api_url" {
  description = "Base URL of the producer's admin API on the internal load balancer."
  value       = "${var.api_certificate_arn == null ? "http" : "https"}://${aws_lb.api.dns_name}"
}

output "api_load_balancer_arn_suffix" {
  description = "ARN suffix of the internal load balancer, for CloudWatch metrics."
  value       = aws_lb.api.arn_suffix
}

output "api_target_group_arn_suffix" {
  description = "ARN suffix of the producer's target group, for CloudWatch metrics."
  value       = aws_lb_target_group.producer.arn_suffix
}

output "producer_task_role_arn" {
  description = "ARN of the producer's task role."
  value       = aws_iam_role.producer_task.arn
}

output "worker_task_role_arn" {
  description = "ARN of the worker's task role."
  value       = aws_iam_role.worker_task.arn
}

output "producer_log_group_name" {
  description = "CloudWatch log group of the producer."
  value       = aws_cloudwatch_log_group.producer.name
}

output "worker_log_group_name" {
  description = "CloudWatch log group of the worker."
  value       = aws_cloudwatch_log_group.worker.name
}

output "worker_security_group_id" {
  description = "Security group of the worker tasks (allow it on the source database)."
  value       = aws_security_group.worker.id
}

output "producer_security_group_id" {
  description = "Security group of the producer tasks (allow it on the source database)."
  value       = aws_security_group.producer.id
}

output "worker_shutdown_grace_seconds" {
  description = "The worker's grace period and stopTimeout."
  value       = var.worker_shutdown_grace_seconds
}

output "api_load_balancer_arn_suffix" {
  description = "The admin API load balancer's ARN suffix (app/NAME/ID), the LoadBalancer dimension of its CloudWatch metrics."
  value       = aws_lb.api.arn_suffix
}

output "api_target_group_arn_suffix" {
  description = "The producer target group's ARN suffix (targetgroup/NAME/ID), the TargetGroup dimension of its CloudWatch metrics."
  value       = aws_lb_target_group.producer.arn_suffix
}
