locals {
  # Attribute names the worker's and producer's DynamoDB adapters use; changing one here is a data
  # migration, so they are not variables.
  versions_hash_key  = "target"
  runs_hash_key      = "pk"
  runs_range_key     = "sk"
  runs_ttl_attribute = "expiresAt"
}

# One item per target: its current version, the chain of objects and a bounded commit history. Commits
# are single-item conditional writes (compare-and-set on the sequence).
resource "aws_dynamodb_table" "versions" {
  name                        = "${var.name_prefix}-versions"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = local.versions_hash_key
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = local.versions_hash_key
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}

# Runs and their per-target progress (pk = run, sk = run header or target). Old runs expire by TTL.
resource "aws_dynamodb_table" "runs" {
  name                        = "${var.name_prefix}-runs"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = local.runs_hash_key
  range_key                   = local.runs_range_key
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = local.runs_hash_key
    type = "S"
  }

  attribute {
    name = local.runs_range_key
    type = "S"
  }

  ttl {
    attribute_name = local.runs_ttl_attribute
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}
