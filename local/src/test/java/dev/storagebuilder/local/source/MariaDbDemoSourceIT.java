package dev.storagebuilder.local.source;

import dev.storagebuilder.common.target.SqlDialect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The demo source contract on MariaDB (loaded with LOAD DATA LOCAL), and the INSERT fallback. */
class MariaDbDemoSourceIT extends AbstractDemoSourceIT {
  @Override
  SqlDialect dialect() {
    return SqlDialect.MARIADB;
  }

  @Test
  @Order(10)
  void theLoadUsesLoadDataLocalUnlessTheDriverOrServerDisallowsIt() throws SQLException {
    try (Connection connection = database.connect()) {
      assertThat(LoadDataWriter.isAvailable(connection)).isTrue();
    }
    try (Connection connection =
        DriverManager.getConnection(database.jdbcUrl() + "&allowLocalInfile=false")) {
      assertThat(LoadDataWriter.isAvailable(connection)).isFalse();
    }
  }

  /** Servers with local_infile off get multi-row INSERTs; they must store the very same rows. */
  @Test
  @Order(150)
  void multiRowInsertsStoreTheSameRowsAsLoadData() throws SQLException {
    try (Connection connection = database.connect()) {
      generator.schema().reset(connection);
      connection.setAutoCommit(false);
      for (TargetDeclaration target : generator.targets()) {
        List<String> columns = new ArrayList<>(List.of(target.clientColumn()));
        List<ColumnType> types = new ArrayList<>(List.of(ColumnType.STRING));
        target
            .columns()
            .forEach(
                c -> {
                  columns.add(c.name());
                  types.add(c.type());
                });
        try (RowWriter writer =
            new MultiRowInsertWriter(connection, target.table(), columns, types)) {
          for (String client : generator.clientIds()) {
            for (Object[] row :
                (Iterable<Object[]>) generator.rows(client, target.name(), 1)::iterator) {
              writer.write(row);
            }
          }
          assertThat(writer.finish()).isEqualTo(generator.expectedRows(target.name()));
        }
        connection.commit();
        assertThat(
                SourceDump.firstDifference(
                    SourceDump.expected(generator, target, 1),
                    SourceDump.table(connection, target)))
            .as(target.name())
            .isNull();
      }
    }
  }
}
