variable "name_prefix" {
  type        = string
  description = "Prefix of the table names, e.g. \"storage-builder-prod\"."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-40 characters of a-z, 0-9 and '-', start with a letter and not end with '-'."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of a customer-managed KMS key for table encryption. null: the AWS-managed key aws/dynamodb."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to delete the tables (the version ledger is the source of truth for which snapshot is current). Turn off only to tear down a throw-away environment."
  default     = true
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource of this module."
  default     = {}
}
