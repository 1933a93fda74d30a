variable "name_prefix" {
  type        = string
  description = "Prefix of the alarm names, e.g. \"sb-prod\"."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-40 characters of a-z, 0-9 and '-', start with a letter and not end with '-'."
  }
}

variable "alarm_sns_topic_arn" {
  type        = string
  description = "SNS topic notified when an alarm fires and when it recovers. null: the alarms only change state (visible in the console)."
  default     = null

  validation {
    condition     = var.alarm_sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.alarm_sns_topic_arn))
    error_message = "alarm_sns_topic_arn must be null or an SNS topic ARN."
  }
}

variable "queue_name" {
  type        = string
  description = "Name of the work queue."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.queue_name))
    error_message = "queue_name must be a valid SQS queue name."
  }
}

variable "api_load_balancer_arn_suffix" {
  type        = string
  description = "ARN suffix of the admin API's load balancer (app/NAME/ID): the LoadBalancer dimension of the producer's health alarm."

  validation {
    condition     = can(regex("^app/[A-Za-z0-9-]{1,32}/[0-9a-f]+$", var.api_load_balancer_arn_suffix))
    error_message = "api_load_balancer_arn_suffix must look like app/NAME/ID (aws_lb.arn_suffix)."
  }
}

variable "api_target_group_arn_suffix" {
  type        = string
  description = "ARN suffix of the producer's target group (targetgroup/NAME/ID): the TargetGroup dimension of the producer's health alarm."

  validation {
    condition     = can(regex("^targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]+$", var.api_target_group_arn_suffix))
    error_message = "api_target_group_arn_suffix must look like targetgroup/NAME/ID (aws_lb_target_group.arn_suffix)."
  }
}

variable "dlq_name" {
  type        = string
  description = "Name of the dead-letter queue."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.dlq_name))
    error_message = "dlq_name must be a valid SQS queue name."
  }
}

variable "cluster_name" {
  type        = string
  description = "Name of the ECS cluster."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.cluster_name))
    error_message = "cluster_name must be a valid ECS cluster name."
  }
}

variable "worker_service_name" {
  type        = string
  description = "Name of the worker's ECS service."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.worker_service_name))
    error_message = "worker_service_name must be a valid ECS service name."
  }
}

variable "oldest_message_age_threshold_seconds" {
  type        = number
  description = "Alarm when the oldest message on the work queue is older than this: work is arriving faster than it is done, or the workers are stuck. Default 1 hour, half the legacy's 2-hour target for a whole update-all."
  default     = 3600

  validation {
    condition     = var.oldest_message_age_threshold_seconds >= 60 && var.oldest_message_age_threshold_seconds <= 1209600
    error_message = "oldest_message_age_threshold_seconds must be in 60..1209600."
  }
}

variable "worker_cpu_threshold_percent" {
  type        = number
  description = "Alarm when the worker service's average CPU stays above this for 15 minutes (the legacy's success bar: under 80 %)."
  default     = 80

  validation {
    condition     = var.worker_cpu_threshold_percent > 0 && var.worker_cpu_threshold_percent <= 100
    error_message = "worker_cpu_threshold_percent must be in (0, 100]."
  }
}

variable "worker_memory_threshold_percent" {
  type        = number
  description = "Alarm when the worker service's average memory stays above this for 15 minutes (the legacy's success bar: under 85 %)."
  default     = 85

  validation {
    condition     = var.worker_memory_threshold_percent > 0 && var.worker_memory_threshold_percent <= 100
    error_message = "worker_memory_threshold_percent must be in (0, 100]."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every alarm."
  default     = {}
}
