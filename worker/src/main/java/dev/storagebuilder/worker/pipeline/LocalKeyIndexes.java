package dev.storagebuilder.worker.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Local copies of the large key index sidecars this worker wrote (base files), by object key, least
 * recently used deleted first beyond a disk budget. The next incremental sync of the same target on
 * this worker then looks keys up in a local file instead of making ~one ranged GET per touched key
 * (see docs/incremental.md). Sidecars are immutable under their keys, so a copy never goes stale.
 * Thread-safe.
 */
final class LocalKeyIndexes {
  private final long budgetBytes;
  private final LinkedHashMap<String, Path> files = new LinkedHashMap<>(16, 0.75f, true);
  private final Map<String, Long> sizes = new LinkedHashMap<>();
  private Path directory;
  private long total;

  LocalKeyIndexes(long budgetBytes) {
    this.budgetBytes = budgetBytes;
  }

  /** A fresh file to write a sidecar into; {@link #keep} or delete it afterwards. */
  synchronized Path newFile() throws IOException {
    if (directory == null) {
      directory = Files.createTempDirectory("sb-keyindexes-");
      // One hook for the whole directory: File.deleteOnExit per file would keep every path ever
      // written in memory for the life of the worker.
      Path created = directory;
      Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> deleteAll(created)));
    }
    return directory.resolve(UUID.randomUUID() + ".keys");
  }

  /** Keeps {@code file} as the copy of {@code key}, or deletes it when it exceeds the budget alone. */
  synchronized void keep(String key, Path file) throws IOException {
    long size = Files.size(file);
    if (size > budgetBytes) {
      Files.deleteIfExists(file);
      return;
    }
    files.put(key, file);
    sizes.put(key, size);
    total += size;
    Iterator<Map.Entry<String, Path>> eldest = files.entrySet().iterator();
    while (total > budgetBytes && eldest.hasNext()) {
      Map.Entry<String, Path> entry = eldest.next();
      total -= sizes.remove(entry.getKey());
      // An open reader keeps its handle; deleting only frees the space once it closes.
      Files.deleteIfExists(entry.getValue());
      eldest.remove();
    }
  }

  private static void deleteAll(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      files.forEach(file -> file.toFile().delete());
      Files.deleteIfExists(directory);
    } catch (IOException | UncheckedIOException e) {
      // best effort at exit: the directory is under the temp dir
    }
  }

  synchronized Optional<Path> get(String key) {
    return Optional.ofNullable(files.get(key));
  }
}
