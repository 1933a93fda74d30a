package dev.storagebuilder.common.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;
import org.junit.jupiter.api.Test;

class TargetDeclarationTest {
  /**
   * Unquoted, these read as a value of the session or a constant, not as the column: PostgreSQL's
   * {@code SELECT user, current_date FROM t} gives the role and today for every row of a table
   * with such (quoted) columns, MariaDB's {@code current_date} today.
   */
  private static final List<String> VALUE_KEYWORDS =
      List.of("user", "USER", "current_user", "session_user", "current_role", "current_date", "Current_Timestamp",
          "current_time", "localtime", "localtimestamp", "current_catalog", "current_schema", "null", "true", "false");

  @Test
  void aColumnNamedLikeAnSqlValueKeywordIsRefused() {
    for (String name : VALUE_KEYWORDS) {
      assertThat(catchThrowable(() -> ColumnDeclaration.of(name, ColumnType.STRING, true)))
          .as(name)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("column name '" + name + "' is an SQL keyword that reads as a value, not as the column");
    }
  }

  @Test
  void aClientColumnOrSoftDeleteColumnNamedLikeAnSqlValueKeywordIsRefused() {
    List<ColumnDeclaration> columns =
        List.of(ColumnDeclaration.of("id", ColumnType.INT64, false), ColumnDeclaration.of("version", ColumnType.INT64, false));

    assertThat(catchThrowable(() -> new TargetDeclaration("t", "t", "user", List.of("id"), "version", columns, null, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("target 't': clientColumn 'user' is an SQL keyword that reads as a value, not as the column");
    assertThat(catchThrowable(() -> new DeleteTracking(DeleteTracking.Kind.SOFT_DELETE_COLUMN, null, "false")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deletes: column 'false' is an SQL keyword that reads as a value, not as the column");
  }

  @Test
  void namesThatOnlyContainSuchAKeywordAreColumns() {
    for (String name : List.of("user_id", "username", "current_date_local", "nullable", "is_true")) {
      assertThat(ColumnDeclaration.of(name, ColumnType.STRING, true).name()).isEqualTo(name);
    }
  }
}
