package dev.storagebuilder.local.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.common.message.SyncMode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceFingerprintTest {
  @TempDir Path stateDir;

  @Test
  void anIncrementalDemoOnSnapshotsOfAnotherSourceIsRefusedBeforeItTouchesTheDirectory() throws Exception {
    new SourceFingerprint(7, 0.02, 0).write(stateDir);

    assertThatThrownBy(() -> demo(SyncMode.INCREMENTAL, 42).run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--mode incremental on " + stateDir)
        .hasMessageContaining("(seed 7, scale 0.02)")
        .hasMessageContaining("(seed 42, scale 0.02)")
        .hasMessageContaining("run --mode full on it first");
    assertThat(stateDir.resolve("source")).doesNotExist();
  }

  @Test
  void snapshotsOfASourceAChangeBurstChangedAreAnotherSourceToo() throws Exception {
    new SourceFingerprint(42, 0.02, 100).write(stateDir);

    assertThatThrownBy(() -> demo(SyncMode.INCREMENTAL, 42).run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("with 100 changes applied after its full run");
  }

  @Test
  void whatIsWrittenReadsBackAndAnUnreadableRecordIsNone() throws Exception {
    SourceFingerprint written = new SourceFingerprint(42, 0.5, 3);
    written.write(stateDir);
    assertThat(SourceFingerprint.read(stateDir)).contains(written);

    java.nio.file.Files.writeString(stateDir.resolve(SourceFingerprint.FILE), "seed=forty-two\n");
    assertThat(SourceFingerprint.read(stateDir)).isEmpty();
    assertThat(SourceFingerprint.read(stateDir.resolve("elsewhere"))).isEmpty();
  }

  private DemoRunner demo(SyncMode mode, long seed) {
    DemoOptions options = new DemoOptions(0.02, 1, seed, mode, false, stateDir, null, false);
    return new DemoRunner(options, new PrintStream(new ByteArrayOutputStream()), Path.of("."));
  }
}
