package dev.storagebuilder.worker.testing;

import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.emulators.EmbeddedAwsStack;

/** Settings for the embedded stack, every resource named after one test: {@code sb-<name>}. */
public final class EmbeddedAws {
  private EmbeddedAws() {}

  public static AwsSettings settings(EmbeddedAwsStack stack, String name) {
    return AwsSettings.builder()
        .region(stack.region())
        .endpoints(stack.sqsEndpoint(), stack.s3Endpoint(), stack.dynamoEndpoint())
        .credentials(stack.accessKey(), stack.secretKey())
        .bucket("sb-" + name)
        .snapshotPrefix("snapshots/")
        .queueName("sb-" + name)
        .dlqName("sb-" + name + "-dlq")
        .versionsTable("sb-versions-" + name)
        .runsTable("sb-runs-" + name)
        .build();
  }
}
