package dev.storagebuilder.common.storage;

import java.io.IOException;
import java.io.InputStream;

/** Opens an object's content from its start; opened again when an upload is retried. */
@FunctionalInterface
public interface ContentSource {
  InputStream open() throws IOException;
}
