package dev.storagebuilder.aws.support;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.emulators.EmbeddedAwsStack;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One embedded AWS stack for every integration test of the JVM: starting it costs seconds,
 * resources in it cost milliseconds. Each test class takes its own {@linkplain #settings(String)
 * names} (bucket, queues, tables), so classes never see each other's data. The stack stops with the
 * JVM (its own shutdown hook).
 */
public final class LocalAws {
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static EmbeddedAwsStack stack;
  private static AwsClients clients;

  private LocalAws() {}

  /** Clients for the shared stack (sized for the tests' concurrency). */
  public static synchronized AwsClients clients() {
    if (clients == null) {
      clients = new AwsClients(settings("shared"), 32);
    }
    return clients;
  }

  /** Settings pointing at the shared stack, with resource names unique to {@code name}. */
  public static synchronized AwsSettings settings(String name) {
    EmbeddedAwsStack aws = stack();
    String unique =
        name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "-")
            + "-"
            + SEQUENCE.incrementAndGet();
    return AwsSettings.builder()
        .region(aws.region())
        .endpoints(aws.sqsEndpoint(), aws.s3Endpoint(), aws.dynamoEndpoint())
        .credentials(aws.accessKey(), aws.secretKey())
        .bucket("sb-it-" + unique)
        .snapshotPrefix("snapshots/")
        .queueName("sb-it-" + unique)
        .dlqName("sb-it-" + unique + "-dlq")
        .versionsTable("sb-it-versions-" + unique)
        .runsTable("sb-it-runs-" + unique)
        .build();
  }

  private static EmbeddedAwsStack stack() {
    if (stack == null) {
      stack = EmbeddedAwsStack.builder().start();
    }
    return stack;
  }
}
