# Inputs of the Storage Builder deployment. The modules validate everything again; the checks here
# fail earlier and name the root variable.

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name, e.g. \"sb-prod\". 3-24 characters (load balancer names are limited to 32)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-24 characters of a-z, 0-9 and '-', start with a letter and not end with '-'."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}

variable "protect_data" {
  type        = bool
  description = "Protect the data stores from terraform destroy: DynamoDB deletion protection on, and the bucket not force-destroyed. Turn off only for throw-away environments."
  default     = true
}

# --- network ---------------------------------------------------------------------------------------

variable "vpc_id" {
  type        = string
  description = "VPC to deploy into."

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "At least two private subnets in different availability zones, with a route to the AWS APIs (NAT gateway or VPC endpoints)."

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "subnet_ids must hold at least two subnet ids (subnet-...)."
  }
}

variable "api_allowed_cidr_blocks" {
  type        = list(string)
  description = "IPv4 CIDR blocks allowed to call the producer's admin API on the internal load balancer."

  validation {
    # cidrnetmask takes IPv4 blocks only, as the security group rules (cidr_ipv4) do.
    condition     = length(var.api_allowed_cidr_blocks) >= 1 && alltrue([for c in var.api_allowed_cidr_blocks : can(cidrnetmask(c)) && c != "0.0.0.0/0"])
    error_message = "api_allowed_cidr_blocks must hold at least one valid IPv4 CIDR block, and not 0.0.0.0/0."
  }
}

variable "api_certificate_arn" {
  type        = string
  description = "ACM certificate for HTTPS on the internal load balancer; null serves plain HTTP inside the VPC."
  default     = null

  validation {
    condition     = var.api_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$", var.api_certificate_arn))
    error_message = "api_certificate_arn must be null or an ACM certificate ARN."
  }
}

# --- source database -------------------------------------------------------------------------------

variable "source_jdbc_url" {
  type        = string
  default     = null
  description = "Demo mode: JDBC URL of a database holding the generated demo schema, without credentials (they come from Secrets Manager), e.g. jdbc:postgresql://db.internal:5432/app. The tasks then sync the built-in DEMO declarations only (raw_data, entities, ...), never your tables. Set exactly one of this and source_config_json."

  validation {
    condition     = var.source_jdbc_url == null ? true : can(regex("^jdbc:(postgresql|mariadb|mysql)://", var.source_jdbc_url)) && !can(regex("(?i)(password|passwd|pwd)=", var.source_jdbc_url))
    error_message = "source_jdbc_url must be null or a jdbc:postgresql://, jdbc:mariadb:// or jdbc:mysql:// URL without a password in it."
  }
}

variable "source_config_json" {
  type        = string
  default     = null
  description = "Your source's declarations: the SourceConfig JSON (jdbcUrl, username, passwordEnv, clientsQuery, targets; see README.md), passed to the producer and the workers as STORAGE_BUILDER_SOURCE_CONFIG_JSON, e.g. file(\"source.json\"). Not secret: it lands in plain text in the task definitions, so the password stays in Secrets Manager and the JSON names its variable in passwordEnv (e.g. STORAGE_BUILDER_SOURCE_PASSWORD, filled from producer_secrets/worker_secrets). It is minified and must stay within 32 KiB, as ECS refuses a task definition over 64 KiB in all. Set exactly one of this and source_jdbc_url."

  validation {
    condition     = var.source_config_json == null ? true : can(jsondecode(var.source_config_json).targets)
    error_message = "source_config_json must be a JSON object with a targets array (the SourceConfig format in README.md)."
  }

  validation {
    condition     = var.source_config_json == null ? true : try(length(jsonencode(jsondecode(var.source_config_json))) <= 32768, true)
    error_message = "source_config_json must be at most 32 KiB once minified: ECS refuses a task definition over 64 KiB, and both containers carry it."
  }

  validation {
    condition     = var.source_config_json == null ? true : try(!contains(keys(jsondecode(var.source_config_json)), "password") && !can(regex("(?i)(password|passwd|pwd)=", jsondecode(var.source_config_json).jdbcUrl)), true)
    error_message = "source_config_json must hold no password (it is plain text in the task definitions): name the variable that holds it in passwordEnv and fill that variable from producer_secrets and worker_secrets."
  }
}

variable "source_db_port" {
  type        = number
  description = "TCP port of the source database."
  default     = 5432

  validation {
    condition     = var.source_db_port >= 1 && var.source_db_port <= 65535 && floor(var.source_db_port) == var.source_db_port
    error_message = "source_db_port must be a TCP port number in 1..65535."
  }
}

variable "source_db_cidr_blocks" {
  type        = list(string)
  description = "IPv4 CIDR blocks of the source database."

  validation {
    # cidrnetmask takes IPv4 blocks only, as the security group rules (cidr_ipv4) do.
    condition     = length(var.source_db_cidr_blocks) >= 1 && alltrue([for c in var.source_db_cidr_blocks : can(cidrnetmask(c))])
    error_message = "source_db_cidr_blocks must hold at least one valid IPv4 CIDR block."
  }
}

# --- images and sizes ------------------------------------------------------------------------------

variable "producer_image" {
  type        = string
  description = "Producer image with an explicit tag or digest (not :latest)."

  validation {
    condition     = can(regex("(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$", var.producer_image)) && !can(regex(":latest$", var.producer_image))
    error_message = "producer_image must end in an explicit tag or @sha256 digest, and not :latest."
  }
}

variable "worker_image" {
  type        = string
  description = "Worker image with an explicit tag or digest (not :latest)."

  validation {
    condition     = can(regex("(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$", var.worker_image)) && !can(regex(":latest$", var.worker_image))
    error_message = "worker_image must end in an explicit tag or @sha256 digest, and not :latest."
  }
}

variable "cpu_architecture" {
  type        = string
  description = "X86_64 or ARM64 (the images must be built for it)."
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "producer_cpu" {
  type        = number
  description = "Producer task CPU units (256 = 0.25 vCPU)."
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.producer_cpu)
    error_message = "producer_cpu must be one of 256, 512, 1024, 2048, 4096."
  }
}

variable "producer_memory" {
  type        = number
  description = "Producer task memory in MiB."
  default     = 512

  validation {
    condition     = var.producer_memory >= 512 && var.producer_memory % 512 == 0
    error_message = "producer_memory must be a multiple of 512 MiB, at least 512."
  }
}

variable "producer_desired_count" {
  type        = number
  description = "Producer tasks behind the internal load balancer."
  default     = 1

  validation {
    condition     = var.producer_desired_count >= 1 && var.producer_desired_count <= 10 && floor(var.producer_desired_count) == var.producer_desired_count
    error_message = "producer_desired_count must be a whole number in 1..10."
  }
}

variable "worker_cpu" {
  type        = number
  description = "Worker task CPU units (1024 = 1 vCPU, which runs 4 targets at once). Under 512 is refused."
  default     = 1024

  validation {
    condition     = contains([512, 1024, 2048, 4096, 8192, 16384], var.worker_cpu)
    error_message = "worker_cpu must be one of 512, 1024, 2048, 4096, 8192, 16384: a worker under 512 CPU units is undersized."
  }
}

variable "worker_memory" {
  type        = number
  description = "Worker task memory in MiB (512 MiB per concurrent target; 2048 runs 4). Under 1024 is refused."
  default     = 2048

  validation {
    condition     = var.worker_memory >= 1024 && var.worker_memory % 512 == 0
    error_message = "worker_memory must be a multiple of 512 MiB, at least 1024: a worker under 1024 MiB is undersized."
  }
}

variable "worker_concurrency" {
  type        = number
  description = "Targets one worker task runs at once."
  default     = 4

  validation {
    condition     = var.worker_concurrency >= 1 && var.worker_concurrency <= 64 && floor(var.worker_concurrency) == var.worker_concurrency
    error_message = "worker_concurrency must be a whole number in 1..64."
  }
}

variable "source_concurrency_cap" {
  type        = number
  description = "Targets of the whole worker fleet reading the source database at once, however many tasks run (a lease-based counting semaphore in the runs table; a target finding every slot taken is postponed, spending no delivery). 0 turns the cap off. Each task's connection pool is min(worker_concurrency, cap) + 1."
  default     = 8

  validation {
    condition     = var.source_concurrency_cap >= 0 && var.source_concurrency_cap <= 1000 && floor(var.source_concurrency_cap) == var.source_concurrency_cap
    error_message = "source_concurrency_cap must be a whole number in 0..1000 (0: no cap)."
  }
}

variable "worker_lease_seconds" {
  type        = number
  description = "The worker's lease on a message, which is the work queue's visibility timeout; the worker's heartbeat extends it while a target runs."
  default     = 300

  validation {
    condition     = var.worker_lease_seconds >= 30 && var.worker_lease_seconds <= 27000 && floor(var.worker_lease_seconds) == var.worker_lease_seconds
    error_message = "worker_lease_seconds must be a whole number of seconds in 30..27000 (7.5 h): the worker's heartbeat extends the lease by a whole lease at half of it, and SQS extends a message to at most 12 h from its receipt."
  }
}

variable "worker_shutdown_grace_seconds" {
  type        = number
  description = "How long the worker lets in-flight targets run on after SIGTERM before it releases the rest to other workers. The container's stopTimeout is this plus 25 s for the worker's last ledger writes and deletes, within Fargate's 120 s."
  default     = 30

  validation {
    condition     = var.worker_shutdown_grace_seconds >= 10 && var.worker_shutdown_grace_seconds <= 95 && floor(var.worker_shutdown_grace_seconds) == var.worker_shutdown_grace_seconds
    error_message = "worker_shutdown_grace_seconds must be a whole number in 10..95: the stopTimeout (grace + 25 s for the last ledger writes and deletes) must stay within Fargate's 120 s."
  }
}

variable "worker_min_count" {
  type        = number
  description = "Fewest worker tasks; 0 stops them all between runs."
  default     = 0

  validation {
    condition     = var.worker_min_count >= 0 && var.worker_min_count <= 100 && floor(var.worker_min_count) == var.worker_min_count
    error_message = "worker_min_count must be a whole number in 0..100."
  }
}

variable "worker_max_count" {
  type        = number
  description = "Most worker tasks (bounds cost and the connections on the source database: max x concurrency)."
  default     = 4

  validation {
    condition     = var.worker_max_count >= 1 && var.worker_max_count <= 100 && floor(var.worker_max_count) == var.worker_max_count
    error_message = "worker_max_count must be a whole number in 1..100."
  }
}

variable "backlog_per_task_target" {
  type        = number
  description = "Visible messages per running worker task that autoscaling aims for."
  default     = 300

  validation {
    condition     = var.backlog_per_task_target >= 1 && var.backlog_per_task_target <= 100000
    error_message = "backlog_per_task_target must be in 1..100000."
  }
}

# --- queue, storage, ledger ------------------------------------------------------------------------

variable "max_receive_count" {
  type        = number
  description = "Receives of a message before SQS moves it to the dead-letter queue."
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number in 1..1000."
  }
}

variable "snapshot_bucket_name" {
  type        = string
  description = "Name of the snapshot bucket (globally unique)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.snapshot_bucket_name))
    error_message = "snapshot_bucket_name must be a valid S3 bucket name."
  }
}

variable "snapshot_retention_days" {
  type        = number
  description = "Days old (noncurrent) snapshot objects are kept before they expire."
  default     = 30

  validation {
    condition     = var.snapshot_retention_days >= 1 && var.snapshot_retention_days <= 3650 && floor(var.snapshot_retention_days) == var.snapshot_retention_days
    error_message = "snapshot_retention_days must be a whole number of days in 1..3650."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key for the queues, the bucket and the tables. null: AWS-managed encryption (SSE-SQS, SSE-S3, aws/dynamodb)."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN."
  }
}

# --- secrets and configuration ---------------------------------------------------------------------

variable "producer_secrets" {
  type        = map(string)
  description = "Producer environment variables from Secrets Manager: name => full secret ARN (optionally with a JSON key suffix like \":password::\"). Must include STORAGE_BUILDER_API_TOKENS."

  validation {
    condition     = contains(keys(var.producer_secrets), "STORAGE_BUILDER_API_TOKENS")
    error_message = "producer_secrets must include STORAGE_BUILDER_API_TOKENS."
  }
}

variable "worker_secrets" {
  type        = map(string)
  description = "Worker environment variables from Secrets Manager: name => full secret ARN (optionally with a JSON key suffix). The source database credentials."

  validation {
    condition     = length(var.worker_secrets) >= 1
    error_message = "worker_secrets must name at least the source database credentials."
  }
}

variable "secrets_kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key of the secrets, if any."
  default     = null

  validation {
    condition     = var.secrets_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.secrets_kms_key_arn))
    error_message = "secrets_kms_key_arn must be null or a KMS key ARN."
  }
}

variable "producer_environment" {
  type        = map(string)
  description = "Extra plain environment variables of the producer (no secrets)."
  default     = {}
}

variable "worker_environment" {
  type        = map(string)
  description = "Extra plain environment variables of the worker (no secrets)."
  default     = {}
}

# --- observability ---------------------------------------------------------------------------------

variable "alarm_sns_topic_arn" {
  type        = string
  description = "SNS topic the alarms notify; null leaves them without notifications."
  default     = null

  validation {
    condition     = var.alarm_sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.alarm_sns_topic_arn))
    error_message = "alarm_sns_topic_arn must be null or an SNS topic ARN."
  }
}

variable "oldest_message_age_threshold_seconds" {
  type        = number
  description = "Alarm when the oldest work message is older than this; below the work queue's 4-day retention, after which SQS deletes a message without dead-lettering it."
  default     = 3600

  # At or past the retention the alarm never fires: the message is gone first, unannounced.
  validation {
    condition     = var.oldest_message_age_threshold_seconds >= 60 && var.oldest_message_age_threshold_seconds < 345600
    error_message = "oldest_message_age_threshold_seconds must be in 60..345599: the work queue keeps a message 4 days (345600 s), then SQS deletes it without dead-lettering it, so a threshold at or past that never fires."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Days CloudWatch Logs keeps the services' logs (a value CloudWatch accepts: 1, 3, 5, 7, 14, 30, 60, 90, ...)."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts."
  }
}
