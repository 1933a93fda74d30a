package dev.storagebuilder.local.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotPrinterTest {
  private static final List<ColumnDeclaration> COLUMNS =
      List.of(ColumnDeclaration.of("id", ColumnType.INT64, false), ColumnDeclaration.of("name", ColumnType.STRING, true));
  private static final int ROWS = 100_000;

  /** Rows 0..n-1 as (id, "row id"), counting how many were asked for. */
  private static final class CountingRows implements Iterator<Object[]> {
    long pulled;

    @Override
    public boolean hasNext() {
      return pulled < ROWS;
    }

    @Override
    public Object[] next() {
      long id = pulled++;
      return new Object[] {id, "row " + id};
    }
  }

  @Test
  void printsEveryRowAsCsvOrJsonLines() {
    ByteArrayOutputStream csv = new ByteArrayOutputStream();
    assertThat(SnapshotPrinter.print(new CountingRows(), COLUMNS, SnapshotPrinter.Format.CSV, new PrintStream(csv, false, StandardCharsets.UTF_8)))
        .isEqualTo(ROWS);
    assertThat(csv.toString(StandardCharsets.UTF_8)).startsWith("0,row 0\n1,row 1\n").endsWith("99999,row 99999\n");

    ByteArrayOutputStream jsonl = new ByteArrayOutputStream();
    SnapshotPrinter.print(new CountingRows(), COLUMNS, SnapshotPrinter.Format.JSONL, new PrintStream(jsonl, false, StandardCharsets.UTF_8));
    assertThat(jsonl.toString(StandardCharsets.UTF_8)).startsWith("{\"id\":0,\"name\":\"row 0\"}\n");
  }

  @Test
  void stopsReadingSoonAfterTheOutputGoesAway() {
    // What a pipe into `head` does once head has its lines: every further write fails.
    OutputStream closedAfterAFewLines =
        new OutputStream() {
          long written;

          @Override
          public void write(int b) throws IOException {
            if (++written > 1_000) {
              throw new IOException("Broken pipe");
            }
          }
        };
    CountingRows rows = new CountingRows();

    long printed = SnapshotPrinter.print(rows, COLUMNS, SnapshotPrinter.Format.CSV, new PrintStream(closedAfterAFewLines, false, StandardCharsets.UTF_8));

    assertThat(rows.pulled).isEqualTo(printed).isLessThanOrEqualTo(SnapshotPrinter.OUTPUT_CHECK_ROWS);
  }
}
