package dev.storagebuilder.aws.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.support.LostAnswerProxy;
import dev.storagebuilder.aws.support.LocalAws;
import dev.storagebuilder.common.storage.ObjectOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;

/**
 * A CompleteMultipartUpload that S3 carried out but whose answer never reached the worker: S3Proxy
 * behind a proxy that loses that one answer, the SDK's own retry then finds the upload gone.
 */
class LostCompletionIT {
  private static final int MIB = 1024 * 1024;
  private static final String NO_SUCH_UPLOAD =
      "The specified upload does not exist. The upload ID may be invalid, or the upload may have"
          + " been aborted or completed.";

  private static final Predicate<String> COMPLETION =
      line -> line.startsWith("POST ") && line.contains("uploadId=");

  @Test
  void aCompletionWhoseAnswerWasLostPublishesTheObjectInsteadOfFailingOnNoSuchUpload()
      throws IOException {
    AwsSettings direct = LocalAws.settings("lost-completion");
    // S3 may answer a completion sent again after it completed the upload with NoSuchUpload (the
    // upload is gone); S3Proxy answers it as the first, so the proxy gives S3's answer itself.
    try (LostAnswerProxy proxy =
            new LostAnswerProxy(
                direct.s3Endpoint().getPort(),
                COMPLETION,
                LostAnswerProxy.s3Error(404, "Not Found", "NoSuchUpload", NO_SUCH_UPLOAD));
        AwsClients clients = proxy.s3ClientsThrough(direct);
        S3ObjectStore store = store(clients, direct)) {
      store.ensureBucket();
      long seed = new SplittableRandom().nextLong();
      byte[] content = new byte[11 * MIB + 7]; // three parts
      new SplittableRandom(seed).nextBytes(content);

      try (ObjectOutput out = store.create("lost/three-parts.bin")) {
        out.write(content);
      }

      assertThat(proxy.lostAnAnswer()).as("the completion's answer was lost").isTrue();
      assertThat(proxy.matchingRequests()).as("the SDK sent the completion again").isGreaterThan(1);
      assertThat(openUploads(direct)).isEmpty();
      assertThat(object(direct, "snapshots/lost/three-parts.bin"))
          .as("seed %d", seed)
          .isEqualTo(content);
    }
  }

  @Test
  void aCompletionThatFindsNoSuchUploadFailsWhenTheObjectThereIsNotThisUploads() throws IOException {
    AwsSettings direct = LocalAws.settings("lost-completion-overwritten");
    byte[] other = "another writer's object".getBytes(StandardCharsets.UTF_8);
    // Between the lost answer and the SDK's next attempt, another upload replaced the object.
    try (LostAnswerProxy proxy =
            new LostAnswerProxy(
                direct.s3Endpoint().getPort(),
                COMPLETION,
                LostAnswerProxy.s3Error(404, "Not Found", "NoSuchUpload", NO_SUCH_UPLOAD),
                () ->
                    LocalAws.clients()
                        .s3()
                        .putObject(
                            b -> b.bucket(direct.bucket()).key("snapshots/lost/replaced.bin"),
                            RequestBody.fromBytes(other)));
        AwsClients clients = proxy.s3ClientsThrough(direct);
        S3ObjectStore store = store(clients, direct)) {
      store.ensureBucket();
      byte[] content = new byte[6 * MIB];
      new SplittableRandom(11).nextBytes(content);

      ObjectOutput out = store.create("lost/replaced.bin");
      out.write(content);
      assertThatThrownBy(out::close).isInstanceOf(NoSuchUploadException.class);

      assertThat(proxy.matchingRequests()).isGreaterThan(1);
      assertThat(object(direct, "snapshots/lost/replaced.bin")).isEqualTo(other);
      assertThat(openUploads(direct)).isEmpty();
    }
  }

  private static S3ObjectStore store(AwsClients clients, AwsSettings direct) {
    return new S3ObjectStore(
        clients.s3(), direct.bucket(), "snapshots/", S3StoreOptions.defaults().withPartSize(5 * MIB));
  }

  /** The object as it is in the bucket, read without the proxy. */
  private static byte[] object(AwsSettings direct, String key) {
    return LocalAws.clients()
        .s3()
        .getObjectAsBytes(b -> b.bucket(direct.bucket()).key(key))
        .asByteArray();
  }

  private static List<MultipartUpload> openUploads(AwsSettings direct) {
    return LocalAws.clients().s3().listMultipartUploads(b -> b.bucket(direct.bucket())).uploads();
  }
}
