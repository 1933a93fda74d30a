package dev.storagebuilder.local.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Checks of the files a command writes when it ends, made before it starts its work. */
final class OutputFiles {
  private OutputFiles() {}

  /**
   * Rejects a file that cannot be written where it is: a demo or sync writes its summary only after
   * the whole run, which a missing directory would then throw away with a bare path as the error.
   */
  static void requireWritable(String option, Path file) {
    if (file == null) {
      return;
    }
    Path directory = file.toAbsolutePath().getParent();
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(option + " " + file + " is a directory; give a file name");
    }
    if (directory == null || !Files.isDirectory(directory)) {
      throw new IllegalArgumentException(option + " " + file + ": directory " + directory + " does not exist");
    }
    if (!Files.isWritable(directory) || (Files.exists(file) && !Files.isWritable(file))) {
      throw new IllegalArgumentException(option + " " + file + " is not writable");
    }
  }
}
