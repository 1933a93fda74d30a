package dev.storagebuilder.producer;

/** The request clashes with work already going on: answered 409. */
public final class ConflictException extends RuntimeException {
  public ConflictException(String message) {
    super(message);
  }
}
