output "bucket_name" {
  description = "Name of the snapshot bucket."
  value       = aws_s3_bucket.snapshots.id
}

output "bucket_arn" {
  description = "ARN of the snapshot bucket."
  value       = aws_s3_bucket.snapshots.arn
}

output "snapshot_prefix" {
  description = "Key prefix of the snapshots, for the task roles and the worker's configuration."
  value       = var.snapshot_prefix
}

output "kms_key_arn" {
  description = "KMS key that encrypts the bucket, or null for SSE-S3."
  value       = var.kms_key_arn
}
