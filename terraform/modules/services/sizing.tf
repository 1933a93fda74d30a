# Task sizes are refused at plan time when Fargate cannot run them or when the measured memory budget
# says they will run out of memory. The legacy ran at 0.004 vCPU / 256 MB; a sibling service's releases
# were OOM-killed at start (exit 137) until the circuit breaker rolled them back. Checks that involve a
# single variable are validations in variables.tf; the ones that combine variables live here, on a
# provider-less resource, so deploy-checks can plan this file with variables.tf alone.

locals {
  # The measured budget: 2048 MiB runs 4 targets at once with the heap at 60 % of the task.
  worker_memory_per_target_mib = 512

  # Fargate's memory sizes per CPU size: [minimum, maximum, step] in MiB.
  fargate_memory = {
    "256"   = [512, 2048, 512]
    "512"   = [1024, 4096, 1024]
    "1024"  = [2048, 8192, 1024]
    "2048"  = [4096, 16384, 1024]
    "4096"  = [8192, 30720, 1024]
    "8192"  = [16384, 61440, 4096]
    "16384" = [32768, 122880, 8192]
  }

  producer_memory_range = local.fargate_memory[tostring(var.producer_cpu)]
  worker_memory_range   = local.fargate_memory[tostring(var.worker_cpu)]

  # SIGTERM to SIGKILL (the worker container's stopTimeout): the worker's grace (finish what can
  # finish, release the rest), then what its stop still does after the grace: up to 10 s for
  # successes being written to the run ledger (MessageLoop.RECORD_WAIT), the last deletes with up to
  # 10 s for a batch in flight (BatchingDeleter.FLUSH_WAIT), and closing the context (the source
  # pool at most 3 s, SourceConnections.CLOSE_WAIT). A stopTimeout of
  # the grace alone killed those writes: finished targets came back after a visibility timeout.
  worker_stop_after_grace_seconds = 25
  worker_stop_timeout_seconds     = var.worker_shutdown_grace_seconds + local.worker_stop_after_grace_seconds
  fargate_max_stop_timeout        = 120
}

resource "terraform_data" "task_sizing" {
  input = {
    producer = "${var.producer_cpu} CPU units / ${var.producer_memory} MiB"
    worker   = "${var.worker_cpu} CPU units / ${var.worker_memory} MiB x ${var.worker_concurrency} targets"
  }

  lifecycle {
    precondition {
      condition = (
        var.producer_memory >= local.producer_memory_range[0] &&
        var.producer_memory <= local.producer_memory_range[1] &&
        (var.producer_memory - local.producer_memory_range[0]) % local.producer_memory_range[2] == 0
      )
      error_message = "producer_memory ${var.producer_memory} MiB is not a Fargate size for producer_cpu ${var.producer_cpu} (${local.producer_memory_range[0]}..${local.producer_memory_range[1]} MiB in steps of ${local.producer_memory_range[2]})."
    }

    precondition {
      condition = (
        var.worker_memory >= local.worker_memory_range[0] &&
        var.worker_memory <= local.worker_memory_range[1] &&
        (var.worker_memory - local.worker_memory_range[0]) % local.worker_memory_range[2] == 0
      )
      error_message = "worker_memory ${var.worker_memory} MiB is not a Fargate size for worker_cpu ${var.worker_cpu} (${local.worker_memory_range[0]}..${local.worker_memory_range[1]} MiB in steps of ${local.worker_memory_range[2]})."
    }

    precondition {
      condition     = local.worker_stop_timeout_seconds <= local.fargate_max_stop_timeout
      error_message = "worker_shutdown_grace_seconds ${var.worker_shutdown_grace_seconds} s plus the ${local.worker_stop_after_grace_seconds} s the worker's stop needs after it exceeds Fargate's stopTimeout maximum of ${local.fargate_max_stop_timeout} s."
    }

    # Unbounded concurrency once multiplied per-task memory into a 92 GB peak: refuse a concurrency the
    # task's memory cannot hold.
    precondition {
      condition     = var.worker_memory >= var.worker_concurrency * local.worker_memory_per_target_mib
      error_message = "worker_memory ${var.worker_memory} MiB is under the budget for worker_concurrency ${var.worker_concurrency}: at least ${var.worker_concurrency * local.worker_memory_per_target_mib} MiB (${local.worker_memory_per_target_mib} MiB per concurrent target)."
    }
  }
}
