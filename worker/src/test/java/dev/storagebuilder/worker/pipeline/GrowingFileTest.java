package dev.storagebuilder.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrowingFileTest {
  @TempDir Path dir;

  private final ExecutorService readers = Executors.newCachedThreadPool();

  @AfterEach
  void stopReaders() {
    readers.shutdownNow();
  }

  @Test
  void aReaderOpenedBeforeTheFirstByteGetsEveryByteAsItIsWrittenAndEndsWhenTheFileIsComplete() throws Exception {
    long seed = new SplittableRandom().nextLong();
    byte[] content = new byte[300_000];
    new SplittableRandom(seed).nextBytes(content);
    GrowingFile file = GrowingFile.create(dir.resolve("sidecar.keys"));
    // The upload may open its reader before the merge thread has written (or even run).
    CompletableFuture<byte[]> early = readAll(file);
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !early.isDone());
    OutputStream writer = file.writer();

    writer.write(content, 0, 100_000);
    // The reader has what is written so far and waits for the rest.
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !early.isDone());
    writer.write(content, 100_000, content.length - 100_000);
    writer.close();
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !early.isDone());
    file.complete();

    assertThat(early.get(5, TimeUnit.SECONDS)).as("seed %d", seed).isEqualTo(content);
    // A retried upload reads it again from the start.
    assertThat(readAll(file).get(5, TimeUnit.SECONDS)).isEqualTo(content);
  }

  @Test
  void aFailedWriterStopsItsReadersAndAFailedReaderStopsTheWriter() throws Exception {
    GrowingFile file = GrowingFile.create(dir.resolve("sidecar.keys"));
    OutputStream writer = file.writer();
    CompletableFuture<byte[]> reader = readAll(file);
    writer.write(new byte[10]);

    file.fail(new IOException("disk full"));

    assertThat(reader).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingRootCause().withMessage("disk full");
    assertThatThrownBy(() -> writer.write(new byte[10])).isInstanceOf(IOException.class).hasRootCauseMessage("disk full");
    assertThat(file.failure()).hasMessage("disk full");
    writer.close();
  }

  private CompletableFuture<byte[]> readAll(GrowingFile file) {
    return CompletableFuture.supplyAsync(() -> {
      try (InputStream in = file.reader()) {
        byte[] buffer = new byte[7_000];
        byte[] all = new byte[0];
        for (int n; (n = in.read(buffer)) >= 0; ) {
          all = Arrays.copyOf(all, all.length + n);
          System.arraycopy(buffer, 0, all, all.length - n, n);
        }
        return all;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, readers);
  }
}
