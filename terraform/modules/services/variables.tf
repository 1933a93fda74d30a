# ---------------------------------------------------------------------------------------------------
# Naming and network
# ---------------------------------------------------------------------------------------------------

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name, e.g. \"sb-prod\". At most 24 characters so the load balancer and target group names stay within AWS's 32."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-24 characters of a-z, 0-9 and '-', start with a letter and not end with '-'."
  }
}

variable "vpc_id" {
  type        = string
  description = "VPC the services, their security groups and the internal load balancer live in."

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets (at least two, in different availability zones) for the tasks and the internal load balancer. They need a route to the AWS APIs: a NAT gateway or VPC endpoints for SQS, S3 (gateway), DynamoDB (gateway), ECR, CloudWatch Logs, CloudWatch, Secrets Manager and ECS."

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "subnet_ids must hold at least two subnet ids (subnet-...): an application load balancer needs two availability zones."
  }
}

variable "api_allowed_cidr_blocks" {
  type        = list(string)
  description = "IPv4 CIDR blocks allowed to reach the producer's admin API through the internal load balancer (operators' VPN, the scheduler that triggers nightly runs)."

  validation {
    # cidrnetmask takes IPv4 blocks only, as the security group rules (cidr_ipv4) do.
    condition     = length(var.api_allowed_cidr_blocks) >= 1 && alltrue([for c in var.api_allowed_cidr_blocks : can(cidrnetmask(c)) && c != "0.0.0.0/0"])
    error_message = "api_allowed_cidr_blocks must hold at least one valid IPv4 CIDR block, and not 0.0.0.0/0: the admin API is internal."
  }
}

variable "api_certificate_arn" {
  type        = string
  description = "ACM certificate for an HTTPS listener (443) on the internal load balancer. null: plain HTTP on port 80, acceptable only when the VPC path is trusted, since bearer tokens cross it."
  default     = null

  validation {
    condition     = var.api_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$", var.api_certificate_arn))
    error_message = "api_certificate_arn must be null or an ACM certificate ARN."
  }
}

variable "source_db_cidr_blocks" {
  type        = list(string)
  description = "IPv4 CIDR blocks of the source database the producer (lists clients) and the workers (read rows) connect to."

  validation {
    # cidrnetmask takes IPv4 blocks only, as the security group rules (cidr_ipv4) do.
    condition     = length(var.source_db_cidr_blocks) >= 1 && alltrue([for c in var.source_db_cidr_blocks : can(cidrnetmask(c))])
    error_message = "source_db_cidr_blocks must hold at least one valid IPv4 CIDR block."
  }
}

variable "source_db_port" {
  type        = number
  description = "TCP port of the source database (5432 PostgreSQL, 3306 MariaDB)."
  default     = 5432

  validation {
    condition     = var.source_db_port >= 1 && var.source_db_port <= 65535 && floor(var.source_db_port) == var.source_db_port
    error_message = "source_db_port must be a TCP port number in 1..65535."
  }
}

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

# ---------------------------------------------------------------------------------------------------
# Images and sizes
# ---------------------------------------------------------------------------------------------------

variable "producer_image" {
  type        = string
  description = "Producer image with an immutable tag or digest, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/storage-builder/producer:0.1.0."

  validation {
    condition     = can(regex("(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$", var.producer_image)) && !can(regex(":latest$", var.producer_image))
    error_message = "producer_image must end in an explicit tag or @sha256 digest, and not :latest (a rollback needs to know what it rolls back to)."
  }
}

variable "worker_image" {
  type        = string
  description = "Worker image with an immutable tag or digest, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/storage-builder/worker:0.1.0."

  validation {
    condition     = can(regex("(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$", var.worker_image)) && !can(regex(":latest$", var.worker_image))
    error_message = "worker_image must end in an explicit tag or @sha256 digest, and not :latest (a rollback needs to know what it rolls back to)."
  }
}

variable "cpu_architecture" {
  type        = string
  description = "CPU architecture of the tasks: X86_64 or ARM64 (Graviton, about 20 % cheaper; the images must be built for it)."
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "producer_cpu" {
  type        = number
  description = "Producer task CPU units (1024 = 1 vCPU). It only enqueues and answers the admin API."
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.producer_cpu)
    error_message = "producer_cpu must be one of the Fargate sizes 256, 512, 1024, 2048, 4096."
  }
}

variable "producer_memory" {
  type        = number
  description = "Producer task memory in MiB. The JVM takes 60 % of it as heap."
  default     = 512

  validation {
    condition     = var.producer_memory >= 512 && var.producer_memory <= 30720 && var.producer_memory % 512 == 0
    error_message = "producer_memory must be a multiple of 512 MiB in 512..30720."
  }
}

variable "producer_desired_count" {
  type        = number
  description = "Producer tasks behind the load balancer. Enqueueing is idempotent per run, so more than one is safe."
  default     = 1

  validation {
    condition     = var.producer_desired_count >= 1 && var.producer_desired_count <= 10 && floor(var.producer_desired_count) == var.producer_desired_count
    error_message = "producer_desired_count must be a whole number in 1..10."
  }
}

variable "worker_cpu" {
  type        = number
  description = "Worker task CPU units (1024 = 1 vCPU). Measured: 1 vCPU runs 4 targets at once with serialization as the bottleneck. The legacy service ran at 0.004 vCPU and took 150 hours: tasks under 512 units are refused."
  default     = 1024

  validation {
    condition     = contains([512, 1024, 2048, 4096, 8192, 16384], var.worker_cpu)
    error_message = "worker_cpu must be one of the Fargate sizes 512, 1024, 2048, 4096, 8192, 16384: a worker under 512 CPU units (0.5 vCPU) is undersized."
  }
}

variable "worker_memory" {
  type        = number
  description = "Worker task memory in MiB. The JVM takes 60 % as heap (-XX:MaxRAMPercentage=60); the budget is 512 MiB of task memory per concurrent target (2048 MiB runs 4). Tasks under 1024 MiB are refused."
  default     = 2048

  validation {
    condition     = var.worker_memory >= 1024 && var.worker_memory <= 122880 && var.worker_memory % 512 == 0
    error_message = "worker_memory must be a multiple of 512 MiB in 1024..122880: a worker under 1024 MiB is undersized (releases OOM-killed at start, exit 137)."
  }
}

variable "worker_concurrency" {
  type        = number
  description = "Targets one worker task runs at once. Bounded by the memory budget: worker_memory must be at least 512 MiB times this."
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
  description = "The worker's lease on a message: the work queue's visibility timeout, which the worker's heartbeat extends while a target runs."

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

variable "max_receive_count" {
  type        = number
  description = "The work queue's maxReceiveCount: the worker needs it to know a delivery is the last before SQS dead-letters the message."
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number in 1..1000."
  }
}

# ---------------------------------------------------------------------------------------------------
# What the tasks use
# ---------------------------------------------------------------------------------------------------

variable "queue_name" {
  type        = string
  description = "Name of the work queue (the applications look its URL up by name)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.queue_name))
    error_message = "queue_name must be a valid SQS queue name."
  }
}

variable "queue_arn" {
  type        = string
  description = "ARN of the work queue."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", var.queue_arn))
    error_message = "queue_arn must be an SQS queue ARN."
  }
}

variable "dlq_name" {
  type        = string
  description = "Name of the dead-letter queue (the applications look its URL up by name)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.dlq_name))
    error_message = "dlq_name must be a valid SQS queue name."
  }
}

variable "dlq_arn" {
  type        = string
  description = "ARN of the dead-letter queue."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", var.dlq_arn))
    error_message = "dlq_arn must be an SQS queue ARN."
  }
}

variable "bucket_name" {
  type        = string
  description = "Name of the snapshot bucket."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name."
  }
}

variable "bucket_arn" {
  type        = string
  description = "ARN of the snapshot bucket."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_arn))
    error_message = "bucket_arn must be an S3 bucket ARN (arn:aws:s3:::NAME)."
  }
}

variable "snapshot_prefix" {
  type        = string
  description = "Key prefix of the snapshots; the worker's S3 permissions are limited to it."
  default     = "snapshots/"

  validation {
    condition     = can(regex("^([A-Za-z0-9_.-]+/)+$", var.snapshot_prefix))
    error_message = "snapshot_prefix must be one or more path segments each ending in '/', without wildcards (e.g. \"snapshots/\")."
  }
}

variable "versions_table_name" {
  type        = string
  description = "Name of the DynamoDB versions table."

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.versions_table_name))
    error_message = "versions_table_name must be a valid DynamoDB table name."
  }
}

variable "versions_table_arn" {
  type        = string
  description = "ARN of the DynamoDB versions table."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]{3,255}$", var.versions_table_arn))
    error_message = "versions_table_arn must be a DynamoDB table ARN."
  }
}

variable "runs_table_name" {
  type        = string
  description = "Name of the DynamoDB runs table."

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.runs_table_name))
    error_message = "runs_table_name must be a valid DynamoDB table name."
  }
}

variable "runs_table_arn" {
  type        = string
  description = "ARN of the DynamoDB runs table."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]{3,255}$", var.runs_table_arn))
    error_message = "runs_table_arn must be a DynamoDB table ARN."
  }
}

variable "data_kms_key_arns" {
  type        = list(string)
  description = "Customer-managed KMS keys that encrypt the queues, the bucket or the tables; the task roles may use exactly these. Empty when they use AWS-managed encryption."
  default     = []

  validation {
    condition     = alltrue([for k in var.data_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", k))])
    error_message = "data_kms_key_arns must hold KMS key ARNs (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "metrics_namespace" {
  type        = string
  description = "CloudWatch namespace the services publish their metrics to; the task roles may publish to no other."
  default     = "StorageBuilder"

  validation {
    condition     = can(regex("^[A-Za-z0-9_./#:-]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be 1-255 characters of letters, digits and _ . / # : - and must not start with AWS/."
  }
}

# ---------------------------------------------------------------------------------------------------
# Configuration and secrets
# ---------------------------------------------------------------------------------------------------

variable "producer_secrets" {
  type        = map(string)
  description = "Environment variables of the producer filled from Secrets Manager at task start: name => valueFrom (the full secret ARN, optionally with a JSON key suffix such as \":password::\"). Must include STORAGE_BUILDER_API_TOKENS (the admin API's bearer tokens) and the source database credentials."

  validation {
    condition     = contains(keys(var.producer_secrets), "STORAGE_BUILDER_API_TOKENS")
    error_message = "producer_secrets must include STORAGE_BUILDER_API_TOKENS: the admin API refuses every request without a token."
  }

  validation {
    condition     = alltrue([for k, v in var.producer_secrets : can(regex("^[A-Z_][A-Z0-9_]*$", k)) && can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}(:[^:]*:[^:]*:[^:]*)?$", v))])
    error_message = "producer_secrets keys must be upper-case environment variable names and values full Secrets Manager secret ARNs, with the 6-character suffix (optionally with :json-key:version-stage:version-id)."
  }
}

variable "worker_secrets" {
  type        = map(string)
  description = "Environment variables of the worker filled from Secrets Manager at task start: name => valueFrom (the full secret ARN, optionally with a JSON key suffix such as \":password::\"). The source database credentials."

  validation {
    condition     = length(var.worker_secrets) >= 1
    error_message = "worker_secrets must name at least the source database credentials."
  }

  validation {
    condition     = alltrue([for k, v in var.worker_secrets : can(regex("^[A-Z_][A-Z0-9_]*$", k)) && can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}(:[^:]*:[^:]*:[^:]*)?$", v))])
    error_message = "worker_secrets keys must be upper-case environment variable names and values full Secrets Manager secret ARNs, with the 6-character suffix (optionally with :json-key:version-stage:version-id)."
  }
}

variable "secrets_kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key the secrets are encrypted with, for the execution roles to decrypt them. null: the secrets use the AWS-managed key aws/secretsmanager."
  default     = null

  validation {
    condition     = var.secrets_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.secrets_kms_key_arn))
    error_message = "secrets_kms_key_arn must be null or a KMS key ARN."
  }
}

variable "producer_environment" {
  type        = map(string)
  description = "Extra plain environment variables of the producer (tuning, log level). Secrets go in producer_secrets."
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.producer_environment) : can(regex("^[A-Z_][A-Z0-9_]*$", k)) && !can(regex("PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY", k))])
    error_message = "producer_environment keys must be upper-case names, and none may look like a secret (PASSWORD, SECRET, TOKEN, CREDENTIAL, PRIVATE_KEY): put those in producer_secrets."
  }
}

variable "worker_environment" {
  type        = map(string)
  description = "Extra plain environment variables of the worker (tuning, log level). Secrets go in worker_secrets."
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.worker_environment) : can(regex("^[A-Z_][A-Z0-9_]*$", k)) && !can(regex("PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY", k))])
    error_message = "worker_environment keys must be upper-case names, and none may look like a secret (PASSWORD, SECRET, TOKEN, CREDENTIAL, PRIVATE_KEY): put those in worker_secrets."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Days CloudWatch Logs keeps the services' logs."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource of this module."
  default     = {}
}
