package dev.storagebuilder.common.snapshot;

import java.util.Iterator;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/** Rows streamed from storage; close it (try-with-resources) to release the underlying object. */
public interface CloseableIterator<T> extends Iterator<T>, AutoCloseable {
  /** Releases the stored objects being read; I/O failures surface as UncheckedIOException. */
  @Override
  void close();

  /** The remaining elements as a sequential stream that closes this iterator when closed. */
  default Stream<T> stream() {
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED), false)
        .onClose(this::close);
  }
}
