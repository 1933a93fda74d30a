package dev.storagebuilder.producer.config;

import dev.storagebuilder.producer.sqs.QueueGauges;
import io.micronaut.context.annotation.Context;
import io.micronaut.scheduling.annotation.Scheduled;

/**
 * Refreshes the queue and worker gauges in the background: every 15 s, about as often as
 * Prometheus scrapes and well under CloudWatch's one-minute resolution. Two GetQueueAttributes and
 * a few ledger Queries per refresh.
 */
@Context
final class QueueGaugeRefresh {
  private final QueueGauges gauges;

  QueueGaugeRefresh(QueueGauges gauges) {
    this.gauges = gauges;
  }

  @Scheduled(fixedDelay = "15s", initialDelay = "1s")
  void refresh() {
    gauges.refresh();
  }
}
