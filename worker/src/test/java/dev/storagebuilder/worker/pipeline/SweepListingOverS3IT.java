package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.aws.s3.S3StoreOptions;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.RunRecord;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.common.snapshot.ManifestCodec;
import dev.storagebuilder.common.snapshot.RetiredObject;
import dev.storagebuilder.common.snapshot.SnapshotWriterOptions;
import dev.storagebuilder.common.snapshot.StorageLayout;
import dev.storagebuilder.common.target.SourceConfig;
import dev.storagebuilder.worker.jdbc.JdbcRowSource;
import dev.storagebuilder.worker.port.ReceivedMessage;
import dev.storagebuilder.worker.resilience.DefaultFailureClassifier;
import dev.storagebuilder.worker.testing.InMemoryRunLedger;
import dev.storagebuilder.worker.testing.InMemoryVersionLedger;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/**
 * A sweep over the embedded S3 with the real SDK, counting ListObjectsV2 pages: a target with more
 * leftovers than a sweep may retire is listed only as far as the sweep needs, not to its end (a
 * target with years of leftovers had all of its keys listed, and held in memory, at every sweep).
 */
class SweepListingOverS3IT {
  private static final TargetRef ACME = new TargetRef("acme", "items");
  /** More than one page of 1,000 keys. */
  private static final int LEFTOVERS = 1_050;

  @Test
  void aSweepListsTheTargetOnlyUntilItHasFoundWhatItMayRetire() throws Exception {
    try (ItemsOverS3 world = new ItemsOverS3("sweep-listing", 20)) {
      AtomicInteger pages = new AtomicInteger();
      S3Client real = world.aws.s3();
      S3Client counting = (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(),
          new Class<?>[] {S3Client.class}, (proxy, method, args) -> {
            if (method.getName().equals("listObjectsV2Paginator") && method.isDefault()) {
              return InvocationHandler.invokeDefault(proxy, method, args); // its pages come through the proxy
            }
            if (method.getName().equals("listObjectsV2") && args != null && args.length == 1
                && args[0] instanceof ListObjectsV2Request) {
              pages.incrementAndGet();
            }
            try {
              return method.invoke(real, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          });
      String bucket = world.aws.settings().bucket();
      S3ObjectStore store = new S3ObjectStore(counting, bucket, "", S3StoreOptions.defaults());
      // S3 stamps the objects with the real time; the worker's clock is a day ahead of it.
      Clock clock = Clock.fixed(Instant.now().plus(Duration.ofDays(1)), ZoneOffset.UTC);
      StorageLayout names = StorageLayout.withRandom("snapshots/", new Random(5));
      for (int sequence = 1; sequence <= LEFTOVERS; sequence++) {
        String key = names.deltaKey(ACME, sequence);
        real.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(new byte[] {1}));
      }
      SourceConfig config =
          new SourceConfig(world.dataSource.getURL(), null, null, "SELECT 'acme'", List.of(ItemsOverS3.ITEMS));
      InMemoryVersionLedger versions = new InMemoryVersionLedger();
      InMemoryRunLedger runs = new InMemoryRunLedger();
      TargetProcessor processor = new TargetProcessor(config,
          new SnapshotBuilder(new JdbcRowSource(world.dataSource, config.clientsQuery(), 100, clock), store,
              StorageLayout.withRandom("snapshots/", new Random(7)), SnapshotWriterOptions.defaults(),
              new SnapshotBuilder.Upkeep(
                  CompactionPolicy.defaults(), Duration.ofHours(6), RetiredObjectDeletions.NONE, OrphanSweeps.NONE,
                  new OrphanSweep(1, 10)),
              clock),
          versions, runs, new DefaultFailureClassifier(), ProcessingSettings.defaults(), clock, "w-test");
      sync(processor, runs, clock, 1);

      pages.set(0);
      sync(processor, runs, clock, 2);

      List<String> swept = ManifestCodec.decode(store.get(versions.current(ACME).orElseThrow().manifestKey()))
          .retired().stream().map(RetiredObject::key).filter(key -> key.contains("/delta-")).toList();
      assertThat(swept).as("the sweep retired leftovers").isNotEmpty().hasSizeLessThanOrEqualTo(10);
      assertThat(pages).as("ListObjectsV2 pages the sweep asked for").hasValue(1);
      store.close();
    }
  }

  private static void sync(TargetProcessor processor, InMemoryRunLedger runs, Clock clock, int run) {
    String runId = "run-" + run;
    runs.createRun(new RunRecord(runId, "all", SyncMode.FULL, "test", clock.instant(), 1));
    ReceivedMessage received = new ReceivedMessage("m-" + run,
        TargetMessageCodec.encode(TargetMessage.of(runId, ACME, SyncMode.FULL, clock.instant())), "handle", 1,
        Map.of(), clock.instant());
    assertThat(processor.process(received)).isEqualTo(new Outcome.Done("committed sequence " + run));
  }
}
