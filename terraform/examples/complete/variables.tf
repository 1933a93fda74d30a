variable "region" {
  type        = string
  description = "AWS region to deploy into."
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name."
  default     = "sb-prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-24 characters of a-z, 0-9 and '-', start with a letter and not end with '-'."
  }
}

variable "vpc_id" {
  type        = string
  description = "An existing VPC with private subnets that reach the AWS APIs (NAT gateway or VPC endpoints)."

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "At least two private subnets of that VPC, in different availability zones."

  validation {
    condition     = length(var.private_subnet_ids) >= 2 && alltrue([for s in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "private_subnet_ids must hold at least two subnet ids."
  }
}

variable "operator_cidr_blocks" {
  type        = list(string)
  description = "Where operators and the nightly scheduler call the admin API from (VPN, bastion, scheduler subnets)."

  validation {
    # cidrnetmask takes IPv4 blocks only, as the security group rules (cidr_ipv4) do.
    condition     = length(var.operator_cidr_blocks) >= 1 && alltrue([for c in var.operator_cidr_blocks : can(cidrnetmask(c)) && c != "0.0.0.0/0"])
    error_message = "operator_cidr_blocks must hold at least one valid IPv4 CIDR block, and not 0.0.0.0/0."
  }
}

variable "source_config_file" {
  type        = string
  default     = null
  description = "Path of your source's declarations (the SourceConfig JSON in README.md), e.g. \"source.json\" next to terraform.tfvars; its passwordEnv should be STORAGE_BUILDER_SOURCE_PASSWORD, which the tasks get from source_db_secret_arn. Set exactly one of this and source_jdbc_url."

  validation {
    condition     = var.source_config_file == null ? true : fileexists(var.source_config_file)
    error_message = "source_config_file must be the path of an existing file."
  }
}

variable "source_jdbc_url" {
  type        = string
  default     = null
  description = "Demo mode only: JDBC URL of a database holding the generated demo schema, without credentials; the tasks sync the built-in demo declarations, never your tables. Set exactly one of this and source_config_file."

  validation {
    condition     = var.source_jdbc_url == null ? true : can(regex("^jdbc:(postgresql|mariadb|mysql)://", var.source_jdbc_url)) && !can(regex("(?i)(password|passwd|pwd)=", var.source_jdbc_url))
    error_message = "source_jdbc_url must be null or a jdbc:postgresql://, jdbc:mariadb:// or jdbc:mysql:// URL without a password in it."
  }
}

variable "source_db_cidr_blocks" {
  type        = list(string)
  description = "CIDR blocks of the source database (its subnets)."

  validation {
    # cidrnetmask takes IPv4 blocks only, as the security group rules (cidr_ipv4) do.
    condition     = length(var.source_db_cidr_blocks) >= 1 && alltrue([for c in var.source_db_cidr_blocks : can(cidrnetmask(c))])
    error_message = "source_db_cidr_blocks must hold at least one valid IPv4 CIDR block."
  }
}

variable "source_db_port" {
  type        = number
  description = "Port of the source database."
  default     = 5432

  validation {
    condition     = var.source_db_port >= 1 && var.source_db_port <= 65535
    error_message = "source_db_port must be in 1..65535."
  }
}

variable "source_db_secret_arn" {
  type        = string
  description = "Full ARN of the Secrets Manager secret holding the source database credentials as JSON {\"username\": ..., \"password\": ...} (the format RDS-managed secrets use)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$", var.source_db_secret_arn))
    error_message = "source_db_secret_arn must be the full ARN of a Secrets Manager secret (with its 6-character suffix)."
  }
}

variable "api_tokens_secret_arn" {
  type        = string
  description = "Full ARN of the Secrets Manager secret holding the admin API's bearer tokens (comma-separated, several for rotation)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$", var.api_tokens_secret_arn))
    error_message = "api_tokens_secret_arn must be the full ARN of a Secrets Manager secret (with its 6-character suffix)."
  }
}

variable "image_tag" {
  type        = string
  description = "Tag of the producer and worker images pushed to ECR (the release version or git commit), never latest."

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a valid image tag other than latest."
  }
}

variable "cpu_architecture" {
  type        = string
  description = "X86_64 or ARM64 (Graviton, about 20 % cheaper on Fargate); the images pushed under image_tag must be built for it (docker buildx --platform linux/arm64)."
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "api_certificate_arn" {
  type        = string
  description = "ACM certificate of a name that resolves to the internal load balancer: the admin API is then served over HTTPS only (port 443). null serves plain HTTP on port 80, and the bearer tokens cross the VPC in clear text: a trial only."
  default     = null

  validation {
    condition     = var.api_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$", var.api_certificate_arn))
    error_message = "api_certificate_arn must be null or an ACM certificate ARN."
  }
}

variable "alarm_email" {
  type        = string
  description = "E-mail address subscribed to the alarm topic (confirm the subscription mail). null: no subscription."
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be null or an e-mail address."
  }
}
