package dev.storagebuilder.local.sync;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.dynamo.DynamoVersionLedger;
import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.common.storage.ObjectStore;
import dev.storagebuilder.emulators.EmbeddedAwsStack;
import dev.storagebuilder.local.fleet.LocalFleet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The S3 objects and DynamoDB records a {@code sync} left under a state directory, opened by
 * starting the embedded stack on it (no producer, no workers).
 */
public final class LocalState implements AutoCloseable {
  private final EmbeddedAwsStack stack;
  private final AwsSettings aws;
  private final AwsClients clients;

  private LocalState(EmbeddedAwsStack stack) {
    this.stack = stack;
    this.aws = LocalFleet.settingsFor(stack);
    this.clients = new AwsClients(aws);
  }

  public static LocalState open(Path stateDir) throws IOException {
    Path awsDir = stateDir.resolve("aws");
    if (!Files.isDirectory(awsDir)) {
      throw new IllegalArgumentException("--state-dir " + stateDir + " holds no synced state (run ./sb sync first)");
    }
    return new LocalState(EmbeddedAwsStack.builder().stateDir(awsDir).start());
  }

  public VersionLedger versions() {
    return new DynamoVersionLedger(clients.dynamo(), aws.versionsTable());
  }

  public ObjectStore store() {
    return new S3ObjectStore(clients.s3(), aws.bucket());
  }

  @Override
  public void close() {
    try {
      clients.close();
    } finally {
      stack.close();
    }
  }
}
