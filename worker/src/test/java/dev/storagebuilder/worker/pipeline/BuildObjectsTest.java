package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class BuildObjectsTest {
  private final List<String> deleted = new ArrayList<>();

  @Test
  void aKeptBuildTakesNothingBack() throws IOException {
    try (BuildObjects objects = new BuildObjects(deleted::add)) {
      objects.start("t", "t/file.parquet", () -> "t/file.parquet", () -> deleted.add("stopped"));
      objects.stored("t/manifest.json");
      objects.awaitAll();
      objects.keep();
    }

    assertThat(deleted).isEmpty();
  }

  @Test
  void aFailedBuildDeletesWhatItStoredAndWhatItsUploadsStored() throws IOException {
    try (BuildObjects objects = new BuildObjects(deleted::add)) {
      BackgroundUpload file = objects.start("t", "t/file.parquet", () -> "t/file.parquet", () -> {});
      assertThat(objects.await(file)).isEqualTo("t/file.parquet");
      objects.stored("t/manifest.json");
    } // closed without keep: the build failed

    assertThat(deleted).containsExactlyInAnyOrder("t/file.parquet", "t/manifest.json");
  }

  @Test
  void closingStopsARunningUploadBeforeItsAfterStopRuns() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean uploadEnded = new AtomicBoolean();
    AtomicBoolean endedBeforeAfterStop = new AtomicBoolean();
    BuildObjects objects = new BuildObjects(deleted::add);
    objects.start("t", "t/never.parquet", () -> {
      started.countDown();
      try {
        new CountDownLatch(1).await(); // an upload that never ends on its own
        return "t/never.parquet";
      } catch (InterruptedException e) {
        throw new InterruptedIOException("stopped");
      } finally {
        uploadEnded.set(true);
      }
    }, () -> endedBeforeAfterStop.set(uploadEnded.get()));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    objects.close();

    assertThat(endedBeforeAfterStop).as("the upload's thread let go before afterStop ran").isTrue();
    assertThat(deleted).as("its key, in case it was stored").containsExactly("t/never.parquet");
  }

  /**
   * A PUT interrupted once S3 had the object fails in the caller, yet the object is stored: the
   * build was told nothing was stored and left it to no one (an unchanged sync's delta, taken back
   * while it went up, stayed in S3).
   */
  @Test
  void anUploadStoppedWhileItsObjectWentUpIsDeletedThoughItReportedAFailure() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    List<String> bucket = new java.util.concurrent.CopyOnWriteArrayList<>();
    BuildObjects objects = new BuildObjects(key -> {
      bucket.remove(key);
      deleted.add(key);
    });
    objects.start("t", "t/delta.parquet", () -> {
      started.countDown();
      try {
        new CountDownLatch(1).await();
        return "t/delta.parquet";
      } catch (InterruptedException e) {
        bucket.add("t/delta.parquet"); // the request had reached S3
        throw new InterruptedIOException("aborted while waiting for the answer");
      }
    }, () -> {});
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    objects.close();

    assertThat(bucket).isEmpty();
  }

  @Test
  void anUploadThatFinishesDespiteTheStopIsDeleted() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    BuildObjects objects = new BuildObjects(deleted::add);
    objects.start("t", "t/file.parquet", () -> {
      started.countDown();
      try {
        new CountDownLatch(1).await();
      } catch (InterruptedException e) {
        // A store call that does not answer to interrupts completes its PUT anyway.
      }
      return "t/file.parquet";
    }, () -> deleted.add("aborted"));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    objects.close();

    assertThat(deleted).containsExactly("aborted", "t/file.parquet");
  }

  @Test
  void awaitAllRethrowsAnUploadsFailureAndCloseThenTakesTheRestBack() {
    IOException failure = new IOException("S3 said no");
    BuildObjects objects = new BuildObjects(deleted::add);
    objects.start("t", "t/file.parquet", () -> {
      throw failure;
    }, () -> deleted.add("aborted"));
    objects.stored("t/manifest.json");

    assertThatThrownBy(objects::awaitAll).isSameAs(failure);
    objects.close();
    assertThat(deleted).containsExactlyInAnyOrder("aborted", "t/file.parquet", "t/manifest.json");
  }

  @Test
  void keepingWhileAnUploadStillRunsIsRefused() {
    try (BuildObjects objects = new BuildObjects(deleted::add)) {
      objects.start("t", "t/file.parquet", () -> "t/file.parquet", () -> {});

      assertThatThrownBy(objects::keep).isInstanceOf(IllegalStateException.class).hasMessageContaining("await");
    }
  }
}
