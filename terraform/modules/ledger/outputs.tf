output "versions_table_name" {
  description = "Name of the versions table (hash key \"target\")."
  value       = aws_dynamodb_table.versions.name
}

output "versions_table_arn" {
  description = "ARN of the versions table."
  value       = aws_dynamodb_table.versions.arn
}

output "runs_table_name" {
  description = "Name of the runs table (hash key \"pk\", range key \"sk\", TTL on \"expiresAt\")."
  value       = aws_dynamodb_table.runs.name
}

output "runs_table_arn" {
  description = "ARN of the runs table."
  value       = aws_dynamodb_table.runs.arn
}

output "runs_ttl_attribute" {
  description = "Attribute holding a run item's expiry (epoch seconds)."
  value       = local.runs_ttl_attribute
}
