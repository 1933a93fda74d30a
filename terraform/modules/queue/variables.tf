variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name, e.g. \"storage-builder-prod\". Lower-case letters, digits and hyphens."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-40 characters of a-z, 0-9 and '-', start with a letter and not end with '-'."
  }
}

variable "visibility_timeout_seconds" {
  type        = number
  description = "Visibility timeout of the work queue: the worker's lease on a message. The worker extends it with a heartbeat while a target runs, so this bounds how long a crashed worker's message stays invisible, not how long a target may take. Pass the same value the worker is configured with."
  default     = 300

  validation {
    condition     = var.visibility_timeout_seconds >= 30 && var.visibility_timeout_seconds <= 43200 && floor(var.visibility_timeout_seconds) == var.visibility_timeout_seconds
    error_message = "visibility_timeout_seconds must be a whole number of seconds in 30..43200 (SQS maximum is 12 h; under 30 s the heartbeat has no room)."
  }
}

variable "receive_wait_time_seconds" {
  type        = number
  description = "Long-polling wait of ReceiveMessage. 20 s (the SQS maximum) keeps idle workers from paying for empty receives."
  default     = 20

  validation {
    condition     = var.receive_wait_time_seconds >= 1 && var.receive_wait_time_seconds <= 20 && floor(var.receive_wait_time_seconds) == var.receive_wait_time_seconds
    error_message = "receive_wait_time_seconds must be a whole number in 1..20: long polling on, within the SQS limit."
  }
}

variable "message_retention_seconds" {
  type        = number
  description = "How long an unprocessed message stays on the work queue. Default 4 days: a nightly run that cannot be processed for that long is an incident, not a backlog."
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 3600 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be in 3600..1209600 (1 hour to the SQS maximum of 14 days)."
  }
}

variable "max_receive_count" {
  type        = number
  description = "Receives after which SQS moves a message to the dead-letter queue (redrive policy maxReceiveCount). Retryable failures are retried this many times with the worker's growing visibility backoff."
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number in 1..1000."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of a customer-managed KMS key for queue encryption. null: SQS-managed server-side encryption (SSE-SQS)."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource of this module."
  default     = {}
}
