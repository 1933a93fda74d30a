package dev.storagebuilder.common.config;

/**
 * A setting the process refuses to start with, its message naming the setting. Only this is a
 * {@linkplain ConfigurationRefusal configuration refusal}: a bare {@link IllegalArgumentException}
 * at start-up may as well be a bug, and keeps its stack trace. An {@code IllegalArgumentException}
 * still, so the settings' callers and tests that expect one need not know the difference.
 */
public final class SettingRefusedException extends IllegalArgumentException {
  public SettingRefusedException(String message) {
    super(message);
  }

  public SettingRefusedException(String message, Throwable cause) {
    super(message, cause);
  }
}
