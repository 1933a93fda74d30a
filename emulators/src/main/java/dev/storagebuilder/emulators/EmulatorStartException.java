package dev.storagebuilder.emulators;

/**
 * One of the embedded emulators could not be started. The message names the emulator and what to do
 * about it (install Node.js, free a port, reach the npm registry once), so a command-line launcher
 * can print it without a stack trace.
 */
public final class EmulatorStartException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  EmulatorStartException(String message) {
    super(message);
  }

  EmulatorStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
