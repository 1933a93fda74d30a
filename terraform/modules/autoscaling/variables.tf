variable "cluster_name" {
  type        = string
  description = "Name of the ECS cluster the worker service runs in."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.cluster_name))
    error_message = "cluster_name must be a valid ECS cluster name."
  }
}

variable "service_name" {
  type        = string
  description = "Name of the worker's ECS service."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.service_name))
    error_message = "service_name must be a valid ECS service name."
  }
}

variable "queue_name" {
  type        = string
  description = "Name of the work queue whose backlog drives the worker count."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.queue_name))
    error_message = "queue_name must be a valid SQS queue name (standard queue)."
  }
}

variable "min_capacity" {
  type        = number
  description = "Fewest worker tasks. 0 lets the fleet cost nothing between runs; the wake-up alarm starts a task when messages arrive."
  default     = 0

  validation {
    condition     = var.min_capacity >= 0 && var.min_capacity <= 100 && floor(var.min_capacity) == var.min_capacity
    error_message = "min_capacity must be a whole number in 0..100."
  }
}

variable "max_capacity" {
  type        = number
  description = "Most worker tasks. Bounds cost and the load on the source database (each task holds up to worker_concurrency connections)."
  default     = 4

  validation {
    condition     = var.max_capacity >= 1 && var.max_capacity <= 100 && floor(var.max_capacity) == var.max_capacity
    error_message = "max_capacity must be a whole number in 1..100."
  }
}

variable "backlog_per_task_target" {
  type        = number
  description = "Visible messages per running worker task that target tracking aims for: the acceptable queue latency divided by the time a task spends per message. Default 300: 300 s latency / (4 s per target / 4 targets at once); 600 targets then run on 2 tasks."
  default     = 300

  validation {
    condition     = var.backlog_per_task_target >= 1 && var.backlog_per_task_target <= 100000
    error_message = "backlog_per_task_target must be in 1..100000."
  }
}

variable "scale_out_cooldown_seconds" {
  type        = number
  description = "Seconds after a scale-out before target tracking scales out again (lets new tasks start and pull)."
  default     = 60

  validation {
    condition     = var.scale_out_cooldown_seconds >= 0 && var.scale_out_cooldown_seconds <= 3600
    error_message = "scale_out_cooldown_seconds must be in 0..3600."
  }
}

variable "scale_in_cooldown_seconds" {
  type        = number
  description = "Seconds after the drained policy scaled in before it acts again."
  default     = 300

  validation {
    condition     = var.scale_in_cooldown_seconds >= 0 && var.scale_in_cooldown_seconds <= 3600
    error_message = "scale_in_cooldown_seconds must be in 0..3600."
  }
}

variable "drained_minutes" {
  type        = number
  description = "Minutes the work queue must hold no message (visible, in flight or delayed) before the workers are scaled in to min_capacity. Target tracking only scales out: while any message is in flight, some worker may be running it."
  default     = 15

  validation {
    condition     = var.drained_minutes >= 1 && var.drained_minutes <= 60 && floor(var.drained_minutes) == var.drained_minutes
    error_message = "drained_minutes must be a whole number in 1..60."
  }
}

variable "wake_tasks" {
  type        = number
  description = "Tasks the wake-up policy adds when messages wait and none is being processed; target tracking takes over from there."
  default     = 1

  validation {
    condition     = var.wake_tasks >= 1 && var.wake_tasks <= 100 && floor(var.wake_tasks) == var.wake_tasks
    error_message = "wake_tasks must be a whole number in 1..100."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every taggable resource of this module."
  default     = {}
}
