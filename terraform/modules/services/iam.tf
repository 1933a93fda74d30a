# Least privilege, on named resources. Two statements need Resource "*" because AWS offers no
# resource-level permission for their action; they are the only ones, and deploy-checks
# (TerraformPolicyTest) fails on any other:
#   - ecr:GetAuthorizationToken (execution roles): the registry login token is account-wide.
#   - cloudwatch:PutMetricData (task roles): metrics have no ARN; the statement is narrowed by a
#     condition to this fleet's namespace.

locals {
  ecs_tasks_principal = "ecs-tasks.amazonaws.com"

  # account.dkr.ecr.region.amazonaws.com/repository:tag -> the repository's ARN; null for other registries.
  ecr_image_pattern = "^([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/([^:@]+)"
  producer_ecr      = try(regex(local.ecr_image_pattern, var.producer_image), null)
  worker_ecr        = try(regex(local.ecr_image_pattern, var.worker_image), null)
  producer_ecr_repository_arns = local.producer_ecr == null ? [] : [
    "arn:${local.partition}:ecr:${local.producer_ecr[1]}:${local.producer_ecr[0]}:repository/${local.producer_ecr[2]}"
  ]
  worker_ecr_repository_arns = local.worker_ecr == null ? [] : [
    "arn:${local.partition}:ecr:${local.worker_ecr[1]}:${local.worker_ecr[0]}:repository/${local.worker_ecr[2]}"
  ]

  # valueFrom may carry a JSON key suffix (":password::"); the permission is on the secret itself.
  secret_arn_pattern   = "^(arn:[^:]+:secretsmanager:[^:]+:[0-9]{12}:secret:[^:]+)"
  producer_secret_arns = distinct([for v in values(var.producer_secrets) : regex(local.secret_arn_pattern, v)[0]])
  worker_secret_arns   = distinct([for v in values(var.worker_secrets) : regex(local.secret_arn_pattern, v)[0]])

  snapshot_objects_arn = "${var.bucket_arn}/${var.snapshot_prefix}*"

  execution_roles = {
    producer = {
      ecr_repository_arns = local.producer_ecr_repository_arns
      log_group_arn       = aws_cloudwatch_log_group.producer.arn
      secret_arns         = local.producer_secret_arns
    }
    worker = {
      ecr_repository_arns = local.worker_ecr_repository_arns
      log_group_arn       = aws_cloudwatch_log_group.worker.arn
      secret_arns         = local.worker_secret_arns
    }
  }
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    sid     = "EcsTasksAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = [local.ecs_tasks_principal]
    }

    # Confused-deputy guard: only tasks of this account may assume the roles.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# ---------------------------------------------------------------------------------------------------
# Execution roles: what ECS itself needs to start a task (pull the image, write logs, read secrets).
# ---------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "execution" {
  for_each = local.execution_roles

  dynamic "statement" {
    for_each = length(each.value.ecr_repository_arns) > 0 ? [1] : []
    content {
      sid       = "PullImage"
      effect    = "Allow"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
      resources = each.value.ecr_repository_arns
    }
  }

  # Exception: ecr:GetAuthorizationToken has no resource-level permission; AWS requires "*".
  dynamic "statement" {
    for_each = length(each.value.ecr_repository_arns) > 0 ? [1] : []
    content {
      sid       = "EcrLoginTokenIsAccountWide"
      effect    = "Allow"
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"]
    }
  }

  statement {
    sid       = "WriteOwnLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${each.value.log_group_arn}:log-stream:*"]
  }

  statement {
    sid       = "ReadOwnSecrets"
    effect    = "Allow"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = each.value.secret_arns
  }

  dynamic "statement" {
    for_each = var.secrets_kms_key_arn == null ? [] : [var.secrets_kms_key_arn]
    content {
      sid       = "DecryptOwnSecrets"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role" "producer_execution" {
  name               = "${var.name_prefix}-producer-execution"
  description        = "ECS starts producer tasks with it: image pull, logs, producer secrets."
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "producer_execution" {
  name   = "start-producer-task"
  role   = aws_iam_role.producer_execution.id
  policy = data.aws_iam_policy_document.execution["producer"].json
}

resource "aws_iam_role" "worker_execution" {
  name               = "${var.name_prefix}-worker-execution"
  description        = "ECS starts worker tasks with it: image pull, logs, worker secrets."
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "worker_execution" {
  name   = "start-worker-task"
  role   = aws_iam_role.worker_execution.id
  policy = data.aws_iam_policy_document.execution["worker"].json
}

# ---------------------------------------------------------------------------------------------------
# Worker task role: receive its queue, dead-letter, snapshots under the prefix, its two tables.
# ---------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "worker_task" {
  # SendMessage: a target postponed while a dependency is down (or whose success the run ledger did
  # not take) goes back as a fresh copy, so the wait spends none of its deliveries. GetQueueAttributes:
  # at start-up the worker reads the redrive policy, refusing a max-receive-count the queue undercuts.
  statement {
    sid       = "ConsumeWorkQueue"
    effect    = "Allow"
    actions   = ["sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:SendMessage", "sqs:GetQueueAttributes"]
    resources = [var.queue_arn]
  }

  # A message it cannot parse, or for an unknown target, goes to the DLQ at once with the reason.
  statement {
    sid       = "DeadLetterRejectedMessages"
    effect    = "Allow"
    actions   = ["sqs:GetQueueUrl", "sqs:SendMessage"]
    resources = [var.dlq_arn]
  }

  # DeleteObject: a commit deletes the objects an earlier version retired (a replaced base, its
  # deltas, their key index sidecars, replaced manifests) once storage-builder.worker.retired-object-grace
  # (6 h) is over (batched: DeleteObjects, 1,000 keys a request, which S3 authorizes as DeleteObject
  # on each key), and a failed or lost attempt deletes what it wrote; the deleted stay as noncurrent
  # versions until the bucket's lifecycle expires them. AbortMultipartUpload: a failed upload aborts its own parts;
  # the worker never lists uploads or parts (the lifecycle aborts what a killed worker left).
  statement {
    sid       = "ReadWriteSnapshots"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = [local.snapshot_objects_arn]
  }

  # ListBucket: a target's sweep lists its own prefix (once in 32 sequences, and once after an
  # upgrade from manifests without retired lists) to retire what no manifest retires.
  # No s3:prefix condition: S3 answers a GET or HEAD of a missing key with 404 only to a caller
  # allowed ListBucket, and such a request has no prefix to match, so under the condition it was a
  # 403 and the worker's "not stored yet" paths (a base's key index sidecar) failed instead of
  # falling back. The bucket is this deployment's own (modules/storage): its key names are ours.
  statement {
    sid       = "ListSnapshots"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
  }

  # A commit is one conditional PutItem; BatchGetItem prefetches the version records of a received
  # batch; DescribeTable is the readiness probe's.
  statement {
    sid       = "CommitVersions"
    effect    = "Allow"
    actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:DescribeTable"]
    resources = [var.versions_table_arn]
  }

  # Run progress (BatchGetItem and BatchWriteItem: the entries a batch of successes replaces) and the
  # source slots (GetItem, a PutItem fenced on the version, UpdateItem to renew and release).
  statement {
    sid       = "RecordProgressAndTakeSourceSlots"
    effect    = "Allow"
    actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:BatchWriteItem", "dynamodb:DescribeTable"]
    resources = [var.runs_table_arn]
  }

  dynamic "statement" {
    for_each = length(var.data_kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "UseDataKeys"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = var.data_kms_key_arns
    }
  }

  # Exception: PutMetricData has no resource-level permission; AWS requires "*". The condition limits
  # it to this fleet's namespace (the worker's meters, when STORAGE_BUILDER_CLOUDWATCH_METRICS=true).
  statement {
    sid       = "PublishMetricsInOwnNamespace"
    effect    = "Allow"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [var.metrics_namespace]
    }
  }
}

resource "aws_iam_role" "worker_task" {
  name               = "${var.name_prefix}-worker-task"
  description        = "Worker tasks run with it."
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "worker_task" {
  name   = "worker"
  role   = aws_iam_role.worker_task.id
  policy = data.aws_iam_policy_document.worker_task.json
}

# ---------------------------------------------------------------------------------------------------
# Producer task role: enqueue, inspect and redrive the DLQ, track runs, read versions.
# ---------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "producer_task" {
  statement {
    sid       = "EnqueueTargets"
    effect    = "Allow"
    actions   = ["sqs:GetQueueUrl", "sqs:SendMessage", "sqs:GetQueueAttributes"]
    resources = [var.queue_arn]
  }

  # Listing reads messages and makes them visible again (ChangeMessageVisibility 0); a filtered
  # redrive sends them to the work queue and deletes them here; a full redrive is a move task.
  statement {
    sid    = "InspectAndRedriveDeadLetters"
    effect = "Allow"
    actions = [
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      "sqs:StartMessageMoveTask",
      "sqs:ListMessageMoveTasks",
    ]
    resources = [var.dlq_arn]
  }

  statement {
    sid       = "TrackRuns"
    effect    = "Allow"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"]
    resources = [var.runs_table_arn]
  }

  # Scan: the listing of every target's version (VersionLedger.all, behind the target queries).
  statement {
    sid       = "ReadVersions"
    effect    = "Allow"
    actions   = ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:BatchGetItem"]
    resources = [var.versions_table_arn]
  }

  dynamic "statement" {
    for_each = length(var.data_kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "UseDataKeys"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = var.data_kms_key_arns
    }
  }

  # Exception: PutMetricData has no resource-level permission; AWS requires "*". The condition limits
  # it to this fleet's namespace.
  statement {
    sid       = "PublishMetricsInOwnNamespace"
    effect    = "Allow"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [var.metrics_namespace]
    }
  }
}

resource "aws_iam_role" "producer_task" {
  name               = "${var.name_prefix}-producer-task"
  description        = "Producer tasks run with it."
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "producer_task" {
  name   = "producer"
  role   = aws_iam_role.producer_task.id
  policy = data.aws_iam_policy_document.producer_task.json
}
