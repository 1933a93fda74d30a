package dev.storagebuilder.common.process;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The exit itself is {@code KilledLauncherIT}'s (local): it SIGKILLs a JVM that started a fleet. */
class ParentWatchTest {
  @Test
  void aParentPidThatIsNoNumberIsRefusedNamingTheProperty() {
    assertThatThrownBy(() -> ParentWatch.startIfAsked("12x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("storage-builder.parent-pid must be a process id, got '12x'");
  }
}
