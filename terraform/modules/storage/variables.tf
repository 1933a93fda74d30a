variable "bucket_name" {
  type        = string
  description = "Name of the snapshot bucket (globally unique)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !can(regex("\\.\\.|^xn--|-s3alias$|^\\d+\\.\\d+\\.\\d+\\.\\d+$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 characters of a-z, 0-9, '.', '-', starting and ending with a letter or digit."
  }
}

variable "snapshot_prefix" {
  type        = string
  description = "Key prefix under which workers write snapshots (bases, deltas, manifests). Task roles are scoped to it."
  default     = "snapshots/"

  validation {
    condition     = can(regex("^([A-Za-z0-9_.-]+/)+$", var.snapshot_prefix))
    error_message = "snapshot_prefix must be one or more path segments of A-Z, a-z, 0-9, '_', '.', '-', each ending in '/' (e.g. \"snapshots/\")."
  }
}

variable "noncurrent_version_retention_days" {
  type        = number
  description = "Days an overwritten or deleted snapshot object (a replaced base, delta, key index sidecar or manifest the worker deleted once its retired-object grace was over) is kept as a noncurrent version before it expires. The window in which an operator can restore a previous snapshot."
  default     = 30

  validation {
    condition     = var.noncurrent_version_retention_days >= 1 && var.noncurrent_version_retention_days <= 3650 && floor(var.noncurrent_version_retention_days) == var.noncurrent_version_retention_days
    error_message = "noncurrent_version_retention_days must be a whole number of days in 1..3650."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of a customer-managed KMS key for SSE-KMS (with an S3 bucket key). null: SSE-S3 (AES256)."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Allow terraform destroy to delete a bucket that still holds snapshots. Keep false outside throw-away environments."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource of this module."
  default     = {}
}
