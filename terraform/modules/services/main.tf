data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  account_id = data.aws_caller_identity.current.account_id

  # The applications' fixed ports and health routes (see the Dockerfiles' EXPOSE and HEALTHCHECK).
  # The worker's container check is liveness (its receive loop runs), not readiness: an outage of
  # the source, S3 or DynamoDB must pause the fleet, not get every task killed and restarted.
  producer_port        = 8080
  worker_port          = 8081
  producer_health_path = "/health"
  worker_health_path   = "/health/liveness"

  # Configuration through the applications' own property names (storage-builder.aws.*,
  # storage-builder.source.*, storage-builder.worker.*), which Micronaut also reads from the
  # environment as STORAGE_BUILDER_...; credentials come from the task role, never from here.
  common_environment = {
    STORAGE_BUILDER_AWS_REGION          = local.region
    STORAGE_BUILDER_AWS_QUEUE           = var.queue_name
    STORAGE_BUILDER_AWS_DLQ             = var.dlq_name
    STORAGE_BUILDER_AWS_BUCKET          = var.bucket_name
    STORAGE_BUILDER_AWS_SNAPSHOT_PREFIX = var.snapshot_prefix
    STORAGE_BUILDER_AWS_VERSIONS_TABLE  = var.versions_table_name
    STORAGE_BUILDER_AWS_RUNS_TABLE      = var.runs_table_name
    STORAGE_BUILDER_METRICS_NAMESPACE   = var.metrics_namespace
    STORAGE_BUILDER_LOG_FORMAT          = "json"
  }

  producer_environment = merge(var.producer_environment, local.common_environment, local.source_environment)

  worker_environment = merge(var.worker_environment, local.common_environment, local.source_environment, {
    STORAGE_BUILDER_WORKER_CONCURRENCY        = tostring(var.worker_concurrency)
    STORAGE_BUILDER_WORKER_VISIBILITY_TIMEOUT = "${var.worker_lease_seconds}s"
    STORAGE_BUILDER_WORKER_MAX_RECEIVE_COUNT  = tostring(var.max_receive_count)
    # Fleet-wide: every task must carry the same cap (see docs/resilience.md).
    STORAGE_BUILDER_WORKER_SOURCE_CONCURRENCY_CAP = tostring(var.source_concurrency_cap)
    # How long in-flight targets may run on after SIGTERM; the container's stopTimeout adds what the
    # worker's stop does after it (local.worker_stop_after_grace_seconds in sizing.tf).
    STORAGE_BUILDER_WORKER_SHUTDOWN_GRACE = "${var.worker_shutdown_grace_seconds}s"
  })

  # Health checks run inside the container with the wget the eclipse-temurin image ships: no curl, no
  # shell script in the image. startPeriod covers JVM start-up; a release that cannot start fails its
  # health checks and the deployment circuit breaker rolls it back.
  producer_container = {
    name                   = "producer"
    image                  = var.producer_image
    essential              = true
    readonlyRootFilesystem = true
    portMappings = [{
      name          = "http"
      containerPort = local.producer_port
      protocol      = "tcp"
    }]
    environment = [for k in sort(keys(local.producer_environment)) : { name = k, value = local.producer_environment[k] }]
    secrets     = [for k in sort(keys(var.producer_secrets)) : { name = k, valueFrom = var.producer_secrets[k] }]
    healthCheck = {
      command     = ["CMD-SHELL", "wget -qO- http://127.0.0.1:${local.producer_port}${local.producer_health_path} > /dev/null || exit 1"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 60
    }
    mountPoints     = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    linuxParameters = { initProcessEnabled = true }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.producer.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "producer"
        mode                  = "non-blocking"
        max-buffer-size       = "25m"
      }
    }
  }

  worker_container = {
    name                   = "worker"
    image                  = var.worker_image
    essential              = true
    readonlyRootFilesystem = true
    portMappings = [{
      name          = "health"
      containerPort = local.worker_port
      protocol      = "tcp"
    }]
    environment = [for k in sort(keys(local.worker_environment)) : { name = k, value = local.worker_environment[k] }]
    secrets     = [for k in sort(keys(var.worker_secrets)) : { name = k, valueFrom = var.worker_secrets[k] }]
    healthCheck = {
      command     = ["CMD-SHELL", "wget -qO- http://127.0.0.1:${local.worker_port}${local.worker_health_path} > /dev/null || exit 1"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 60
    }
    stopTimeout     = local.worker_stop_timeout_seconds
    mountPoints     = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    linuxParameters = { initProcessEnabled = true }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.worker.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "worker"
        mode                  = "non-blocking"
        max-buffer-size       = "25m"
      }
    }
  }
}

resource "aws_ecs_cluster" "this" {
  name = var.name_prefix

  # Container Insights publishes RunningTaskCount, the denominator of the worker's backlog-per-task
  # scaling metric.
  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = var.tags
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

resource "aws_cloudwatch_log_group" "producer" {
  name              = "/ecs/${var.name_prefix}/producer"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_cloudwatch_log_group" "worker" {
  name              = "/ecs/${var.name_prefix}/worker"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_ecs_task_definition" "producer" {
  family                   = "${var.name_prefix}-producer"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.producer_cpu
  memory                   = var.producer_memory
  execution_role_arn       = aws_iam_role.producer_execution.arn
  task_role_arn            = aws_iam_role.producer_task.arn
  container_definitions    = jsonencode([local.producer_container])

  # Registered only once the sizes passed the checks in sizing.tf.
  depends_on = [terraform_data.task_sizing]

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # The root filesystem is read-only; the JVM and the HTTP server get a writable /tmp.
  volume {
    name = "tmp"
  }

  tags = var.tags
}

resource "aws_ecs_task_definition" "worker" {
  family                   = "${var.name_prefix}-worker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.worker_cpu
  memory                   = var.worker_memory
  execution_role_arn       = aws_iam_role.worker_execution.arn
  task_role_arn            = aws_iam_role.worker_task.arn
  container_definitions    = jsonencode([local.worker_container])

  # Registered only once the sizes passed the checks in sizing.tf.
  depends_on = [terraform_data.task_sizing]

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = "tmp"
  }

  tags = var.tags
}

resource "aws_ecs_service" "producer" {
  name                               = "${var.name_prefix}-producer"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.producer.arn
  desired_count                      = var.producer_desired_count
  launch_type                        = "FARGATE"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = 60
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"

  # A release that cannot start (killed at start-up, failing health checks) is rolled back to the
  # previous task definition instead of being retried forever.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.producer.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.producer.arn
    container_name   = local.producer_container.name
    container_port   = local.producer_port
  }

  depends_on = [aws_lb_listener.http, aws_lb_listener.https]

  tags = var.tags
}

resource "aws_ecs_service" "worker" {
  name                               = "${var.name_prefix}-worker"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.worker.arn
  desired_count                      = 0
  launch_type                        = "FARGATE"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.worker.id]
    assign_public_ip = false
  }

  # Application Auto Scaling owns the worker count (from 0 when the queue is empty).
  lifecycle {
    ignore_changes = [desired_count]
  }

  tags = var.tags
}
