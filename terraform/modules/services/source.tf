# Which declarations the tasks sync. The applications refuse more than one source setting, so exactly
# one of the two variables reaches them: the operator's declarations, or the demo mode's JDBC URL.
locals {
  # Minified: the JSON is repeated in both task definitions, which ECS caps at 64 KiB each.
  source_environment = var.source_config_json == null ? tomap({
    STORAGE_BUILDER_SOURCE_JDBC_URL = var.source_jdbc_url
    }) : tomap({
    STORAGE_BUILDER_SOURCE_CONFIG_JSON = jsonencode(jsondecode(var.source_config_json))
  })
}

# A module-level check of two variables (variable validations may reference only their own variable
# before Terraform 1.9).
resource "terraform_data" "source_declarations" {
  input = keys(local.source_environment)

  lifecycle {
    precondition {
      condition     = (var.source_config_json == null) != (var.source_jdbc_url == null)
      error_message = "Set exactly one of source_config_json (your declarations) and source_jdbc_url (the built-in demo declarations only)."
    }
  }
}
