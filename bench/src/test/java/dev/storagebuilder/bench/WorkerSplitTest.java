package dev.storagebuilder.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerSplitTest {
  private static final String OTHER_RUN =
      "08:03:03.100 INFO  [target-1] d.s.w.p.TargetProcessor run=run-a1 client=bench-export target=raw_data"
          + " attempt=1 - target done kind=BASE rowsRead=5 rows=5 bytes=900 seconds=0.05 sequence=1 watermark=5"
          + " committed=true ms=admit:0,version:9,memory:0,running:0,client:0,build:30,commit:7,outcome:5"
          + " build=database:3,serialize:20,compress:1,upload:6";
  private static final String THIS_RUN =
      "08:03:03.577 INFO  [target-0] d.s.w.p.TargetProcessor run=run-a12 client=bench-export target=raw_data"
          + " attempt=1 - target done kind=BASE rowsRead=1000000 rows=1000000 bytes=9810000 seconds=1.57"
          + " sequence=3 watermark=1000000 committed=true"
          + " ms=admit:0,version:9,memory:0,running:0,client:0,build:1520,commit:12,keyIndex:233,outcome:8"
          + " build=database:410,serialize:700,compress:95,upload:315";

  @Test
  void readsTheSplitOfItsOwnRunInSeconds() {
    WorkerSplit split = WorkerSplit.find(List.of("08:03:03.000 INFO target start", OTHER_RUN, THIS_RUN), "run-a12")
        .orElseThrow();

    assertThat(split).isEqualTo(new WorkerSplit(0.410, 0.700, 0.095, 0.315, 0.012, 0.233));
  }

  @Test
  void aBaseWithNoSidecarLeftToAwaitSpentNothingOnItAfterTheCommit() {
    WorkerSplit split = WorkerSplit.find(List.of(OTHER_RUN), "run-a1").orElseThrow();

    assertThat(split.keyIndexAfterCommitSeconds()).isZero();
    assertThat(split.uploadSeconds()).isEqualTo(0.006);
  }

  @Test
  void aLineWithoutTheBuildSplitGivesNone() {
    String older = THIS_RUN.substring(0, THIS_RUN.indexOf(" build="));

    assertThat(WorkerSplit.find(List.of(older), "run-a12")).isEmpty();
    assertThat(WorkerSplit.find(List.of(THIS_RUN), "run-a1")).isEmpty();
  }
}
