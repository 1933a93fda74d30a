package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class BackgroundUploadTest {
  @Test
  void awaitReturnsTheSidecarKey() throws IOException {
    BackgroundUpload upload = BackgroundUpload.start("t", () -> "t/base-1.keys");

    assertThat(upload.await()).isEqualTo("t/base-1.keys");
  }

  @Test
  void awaitRethrowsTheUploadsFailureAsItWasThrown() {
    IOException failure = new IOException("S3 said no");
    BackgroundUpload upload =
        BackgroundUpload.start(
            "t",
            () -> {
              throw failure;
            });

    assertThatThrownBy(upload::await).isSameAs(failure);
  }

  @Test
  void cancelInterruptsARunningUploadAndReturnsOnlyAfterItsThreadLetGo() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    AtomicBoolean finished = new AtomicBoolean();
    BackgroundUpload upload =
        BackgroundUpload.start(
            "t",
            () -> {
              started.countDown();
              try {
                new CountDownLatch(1).await(); // an upload that never ends on its own
                return "t/never.keys";
              } catch (InterruptedException e) {
                interrupted.set(true);
                throw new InterruptedIOException("stopped");
              } finally {
                finished.set(true);
              }
            });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(upload.cancel()).isEmpty();
    assertThat(interrupted).isTrue();
    assertThat(finished).as("the key index is no longer in use when cancel returns").isTrue();
  }

  @Test
  void cancelAfterTheUploadSucceededReturnsTheKeyForTheCallerToDelete() throws Exception {
    BackgroundUpload upload = BackgroundUpload.start("t", () -> "t/done.keys");
    assertThat(upload.await()).isEqualTo("t/done.keys"); // settled before the caller gave up

    assertThat(upload.cancel()).contains("t/done.keys");
  }
}
