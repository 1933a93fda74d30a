package dev.storagebuilder.producer.sqs;

import dev.storagebuilder.aws.sqs.QueueProvisioner;
import dev.storagebuilder.producer.runs.ActiveWorkers;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The fleet's load as gauges, refreshed by {@link #refresh()} (scheduled by the wiring) so a scrape
 * never waits on SQS or DynamoDB:
 *
 * <ul>
 *   <li>{@code storage_builder.queue.visible} / {@code .inflight}: ApproximateNumberOfMessages
 *       and ApproximateNumberOfMessagesNotVisible of the work queue
 *   <li>{@code storage_builder.dlq.visible}: messages waiting on the dead-letter queue, those a
 *       DLQ walk holds invisible included (the name predates that)
 *   <li>{@code storage_builder.workers.active}: workers seen in the run ledger recently ({@link
 *       ActiveWorkers})
 *   <li>{@code storage_builder.queue.backlog.per.worker}: visible / max(1, active workers), the
 *       scaling signal (target tracking on it keeps each worker's queue share bounded)
 * </ul>
 *
 * Before the first refresh, and while what a gauge reads from cannot be read, the gauges read NaN
 * (Prometheus: absent), not a misleading zero or a stale figure.
 */
public final class QueueGauges {
  private static final Logger log = LoggerFactory.getLogger(QueueGauges.class);

  private final SqsClient sqs;
  private final QueueLocator queues;
  private final ActiveWorkers workers;
  private final AtomicReference<Snapshot> last =
      new AtomicReference<>(new Snapshot(Double.NaN, Double.NaN, Double.NaN, Double.NaN));

  record Snapshot(double visible, double inFlight, double dlqVisible, double activeWorkers) {
    double backlogPerWorker() {
      return visible / Math.max(1, Double.isNaN(activeWorkers) ? 1 : activeWorkers);
    }
  }

  public QueueGauges(
      SqsClient sqs, QueueLocator queues, ActiveWorkers workers, MeterRegistry registry) {
    this.sqs = sqs;
    this.queues = queues;
    this.workers = workers;
    gauge(registry, "storage_builder.queue.visible", "Messages waiting on the work queue",
        s -> s.visible);
    gauge(registry, "storage_builder.queue.inflight", "Messages received and not yet deleted",
        s -> s.inFlight);
    gauge(registry, "storage_builder.dlq.visible", "Messages on the dead-letter queue",
        s -> s.dlqVisible);
    gauge(registry, "storage_builder.workers.active", "Workers seen in the run ledger recently",
        s -> s.activeWorkers);
    gauge(registry, "storage_builder.queue.backlog.per.worker",
        "Visible messages per active worker (at least one): the scaling signal",
        Snapshot::backlogPerWorker);
  }

  /**
   * Reads the work queue, the DLQ and the ledger, each on its own: one that fails reads NaN
   * (absent) until it answers again, and is logged, while the others stay current. (One failure
   * used to skip the whole refresh, so a DLQ that could not be read froze the work queue's depth
   * and the scaling signal at their last values, looking current.)
   */
  public void refresh() {
    QueueProvisioner.QueueUrls urls;
    try {
      urls = queues.urls();
    } catch (RuntimeException e) {
      log.warn("queue gauges not refreshed: {}", e.toString());
      last.set(new Snapshot(Double.NaN, Double.NaN, Double.NaN, activeWorkers()));
      return;
    }
    double[] work = depth(urls.queueUrl(), "work queue");
    double[] dlq = depth(urls.dlqUrl(), "DLQ");
    last.set(
        new Snapshot(
            work[0],
            work[1],
            // Nothing consumes the DLQ: what is not visible there is held by a walk of ours
            // (stats, a dry run, a redrive), and a dashboard walks it every few seconds.
            dlq[0] + dlq[1],
            activeWorkers()));
  }

  /** Visible and not visible; NaN for both when the queue cannot be read. */
  private double[] depth(String url, String which) {
    try {
      Map<QueueAttributeName, String> attributes = attributes(url);
      return new double[] {
        number(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES),
        number(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)
      };
    } catch (RuntimeException e) {
      log.warn("{} depth gauges not refreshed: {}", which, e.toString());
      return new double[] {Double.NaN, Double.NaN};
    }
  }

  private double activeWorkers() {
    try {
      return workers.count();
    } catch (RuntimeException e) {
      log.warn("active workers gauge not refreshed: {}", e.toString());
      return Double.NaN;
    }
  }

  Snapshot last() {
    return last.get();
  }

  private Map<QueueAttributeName, String> attributes(String url) {
    return sqs.getQueueAttributes(
            b ->
                b.queueUrl(url)
                    .attributeNames(
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
        .attributes();
  }

  private static double number(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
    String value = attributes.get(name);
    return value == null ? Double.NaN : Double.parseDouble(value);
  }

  private void gauge(
      MeterRegistry registry,
      String name,
      String description,
      java.util.function.ToDoubleFunction<Snapshot> value) {
    Gauge.builder(name, last, ref -> value.applyAsDouble(ref.get()))
        .description(description)
        .register(registry);
  }
}
