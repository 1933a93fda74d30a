locals {
  # SQS keeps a message at most 14 days; the DLQ keeps its messages that long so an operator has two
  # weekends to look at them before they are gone.
  dlq_retention_seconds = 1209600
  sse_sqs_managed       = var.kms_key_arn == null
}

resource "aws_sqs_queue" "dlq" {
  name                              = "${var.name_prefix}-work-dlq"
  message_retention_seconds         = local.dlq_retention_seconds
  sqs_managed_sse_enabled           = local.sse_sqs_managed ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sse_sqs_managed ? null : 300
  tags                              = var.tags
}

resource "aws_sqs_queue" "work" {
  name                              = "${var.name_prefix}-work"
  visibility_timeout_seconds        = var.visibility_timeout_seconds
  receive_wait_time_seconds         = var.receive_wait_time_seconds
  message_retention_seconds         = var.message_retention_seconds
  sqs_managed_sse_enabled           = local.sse_sqs_managed ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sse_sqs_managed ? null : 300

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })

  tags = var.tags
}

# A separate resource, not an argument of the DLQ: the DLQ would otherwise need the work queue's ARN
# while the work queue needs the DLQ's (a cycle).
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.work.arn]
  })
}

data "aws_iam_policy_document" "tls_only" {
  for_each = {
    work = aws_sqs_queue.work.arn
    dlq  = aws_sqs_queue.dlq.arn
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "work" {
  queue_url = aws_sqs_queue.work.id
  policy    = data.aws_iam_policy_document.tls_only["work"].json
}

resource "aws_sqs_queue_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  policy    = data.aws_iam_policy_document.tls_only["dlq"].json
}
