# A complete Storage Builder deployment into an existing VPC. Before `terraform apply`: the two ECR
# repositories exist and hold the images tagged var.image_tag, and the two secrets exist with values
# (see docs/deploy.md).

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Application = "storage-builder"
      Environment = var.name_prefix
      ManagedBy   = "terraform"
    }
  }
}

data "aws_caller_identity" "current" {}

data "aws_ecr_repository" "producer" {
  name = "storage-builder/producer"
}

data "aws_ecr_repository" "worker" {
  name = "storage-builder/worker"
}

# Alarm notifications. Unencrypted on purpose: CloudWatch can only publish to an encrypted topic whose
# customer-managed key grants it access, and alarm messages carry no data beyond names and numbers.
resource "aws_sns_topic" "alarms" {
  name = "${var.name_prefix}-alarms"
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

module "storage_builder" {
  source = "../.."

  name_prefix = var.name_prefix

  vpc_id                  = var.vpc_id
  subnet_ids              = var.private_subnet_ids
  api_allowed_cidr_blocks = var.operator_cidr_blocks
  api_certificate_arn     = var.api_certificate_arn

  source_config_json    = var.source_config_file == null ? null : file(var.source_config_file)
  source_jdbc_url       = var.source_jdbc_url
  source_db_port        = var.source_db_port
  source_db_cidr_blocks = var.source_db_cidr_blocks

  producer_image = "${data.aws_ecr_repository.producer.repository_url}:${var.image_tag}"
  worker_image   = "${data.aws_ecr_repository.worker.repository_url}:${var.image_tag}"
  # The images under image_tag must be built for it.
  cpu_architecture = var.cpu_architecture

  # The measured sizes: a 0.25 vCPU / 512 MiB producer, 1 vCPU / 2 GiB workers running 4 targets each,
  # 0..4 of them on a backlog of 300 messages per task (600 targets -> 2 tasks).
  producer_cpu            = 256
  producer_memory         = 512
  worker_cpu              = 1024
  worker_memory           = 2048
  worker_concurrency      = 4
  worker_min_count        = 0
  worker_max_count        = 4
  backlog_per_task_target = 300

  # 4 tasks x 4 targets could read at once; the source database serves at most 8 of them.
  source_concurrency_cap = 8

  worker_lease_seconds          = 300
  worker_shutdown_grace_seconds = 30
  max_receive_count             = 5

  snapshot_bucket_name    = "${var.name_prefix}-snapshots-${data.aws_caller_identity.current.account_id}"
  snapshot_retention_days = 30

  producer_secrets = {
    STORAGE_BUILDER_API_TOKENS      = var.api_tokens_secret_arn
    STORAGE_BUILDER_SOURCE_USERNAME = "${var.source_db_secret_arn}:username::"
    STORAGE_BUILDER_SOURCE_PASSWORD = "${var.source_db_secret_arn}:password::"
  }

  worker_secrets = {
    STORAGE_BUILDER_SOURCE_USERNAME = "${var.source_db_secret_arn}:username::"
    STORAGE_BUILDER_SOURCE_PASSWORD = "${var.source_db_secret_arn}:password::"
  }

  alarm_sns_topic_arn = aws_sns_topic.alarms.arn
  log_retention_days  = 30
}
