# Storage Builder on AWS: the producer enqueues one message per client/target; workers scale on the
# backlog, write Parquet snapshots to S3 and commit versions and run progress to DynamoDB.

locals {
  # The fleet's own CloudWatch namespace: the task roles may publish to it only (the apps' Micrometer
  # export, off unless STORAGE_BUILDER_CLOUDWATCH_METRICS=true).
  metrics_namespace = "StorageBuilder"
  data_kms_key_arns = var.kms_key_arn == null ? [] : [var.kms_key_arn]
  tags              = merge({ Application = "storage-builder" }, var.tags)
}

module "queue" {
  source = "./modules/queue"

  name_prefix                = var.name_prefix
  visibility_timeout_seconds = var.worker_lease_seconds
  max_receive_count          = var.max_receive_count
  kms_key_arn                = var.kms_key_arn
  tags                       = local.tags
}

module "storage" {
  source = "./modules/storage"

  bucket_name                       = var.snapshot_bucket_name
  noncurrent_version_retention_days = var.snapshot_retention_days
  kms_key_arn                       = var.kms_key_arn
  force_destroy                     = !var.protect_data
  tags                              = local.tags
}

module "ledger" {
  source = "./modules/ledger"

  name_prefix         = var.name_prefix
  kms_key_arn         = var.kms_key_arn
  deletion_protection = var.protect_data
  tags                = local.tags
}

module "services" {
  source = "./modules/services"

  name_prefix             = var.name_prefix
  vpc_id                  = var.vpc_id
  subnet_ids              = var.subnet_ids
  api_allowed_cidr_blocks = var.api_allowed_cidr_blocks
  api_certificate_arn     = var.api_certificate_arn
  source_jdbc_url         = var.source_jdbc_url
  source_config_json      = var.source_config_json
  source_db_port          = var.source_db_port
  source_db_cidr_blocks   = var.source_db_cidr_blocks

  producer_image         = var.producer_image
  worker_image           = var.worker_image
  cpu_architecture       = var.cpu_architecture
  producer_cpu           = var.producer_cpu
  producer_memory        = var.producer_memory
  producer_desired_count = var.producer_desired_count

  worker_cpu                    = var.worker_cpu
  worker_memory                 = var.worker_memory
  worker_concurrency            = var.worker_concurrency
  source_concurrency_cap        = var.source_concurrency_cap
  worker_lease_seconds          = module.queue.visibility_timeout_seconds
  worker_shutdown_grace_seconds = var.worker_shutdown_grace_seconds

  queue_name          = module.queue.queue_name
  queue_arn           = module.queue.queue_arn
  dlq_name            = module.queue.dlq_name
  dlq_arn             = module.queue.dlq_arn
  max_receive_count   = module.queue.max_receive_count
  bucket_name         = module.storage.bucket_name
  bucket_arn          = module.storage.bucket_arn
  snapshot_prefix     = module.storage.snapshot_prefix
  versions_table_name = module.ledger.versions_table_name
  versions_table_arn  = module.ledger.versions_table_arn
  runs_table_name     = module.ledger.runs_table_name
  runs_table_arn      = module.ledger.runs_table_arn
  data_kms_key_arns   = local.data_kms_key_arns
  metrics_namespace   = local.metrics_namespace

  producer_secrets     = var.producer_secrets
  worker_secrets       = var.worker_secrets
  secrets_kms_key_arn  = var.secrets_kms_key_arn
  producer_environment = var.producer_environment
  worker_environment   = var.worker_environment
  log_retention_days   = var.log_retention_days
  tags                 = local.tags
}

module "autoscaling" {
  source = "./modules/autoscaling"

  cluster_name            = module.services.cluster_name
  service_name            = module.services.worker_service_name
  queue_name              = module.queue.queue_name
  min_capacity            = var.worker_min_count
  max_capacity            = var.worker_max_count
  backlog_per_task_target = var.backlog_per_task_target
  tags                    = local.tags
}

module "alarms" {
  source = "./modules/alarms"

  name_prefix                          = var.name_prefix
  alarm_sns_topic_arn                  = var.alarm_sns_topic_arn
  queue_name                           = module.queue.queue_name
  dlq_name                             = module.queue.dlq_name
  cluster_name                         = module.services.cluster_name
  worker_service_name                  = module.services.worker_service_name
  api_load_balancer_arn_suffix         = module.services.api_load_balancer_arn_suffix
  api_target_group_arn_suffix          = module.services.api_target_group_arn_suffix
  oldest_message_age_threshold_seconds = var.oldest_message_age_threshold_seconds
  tags                                 = local.tags
}
