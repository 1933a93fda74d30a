package dev.storagebuilder.worker.pipeline;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.common.target.ColumnDeclaration;
import dev.storagebuilder.common.target.ColumnType;
import dev.storagebuilder.common.target.TargetDeclaration;
import dev.storagebuilder.emulators.EmbeddedAwsStack;
import dev.storagebuilder.worker.testing.EmbeddedAws;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.h2.jdbcx.JdbcDataSource;

/**
 * A pipeline test's world over the embedded S3 and the real SDK: a bucket, and an in-memory H2
 * source whose {@code items} table holds rows 1..n of client {@code acme} ({@code 'item ' || id},
 * version = id).
 */
final class ItemsOverS3 implements AutoCloseable {
  static final TargetDeclaration ITEMS =
      new TargetDeclaration(
          "items", "items", "client_id", List.of("id"), "version",
          List.of(
              ColumnDeclaration.of("id", ColumnType.INT64, false),
              ColumnDeclaration.of("label", ColumnType.STRING, true),
              ColumnDeclaration.of("version", ColumnType.INT64, false)),
          null, 0);

  final EmbeddedAwsStack stack;
  final AwsClients aws;
  final S3ObjectStore store;
  final JdbcDataSource dataSource;
  /** Rows 1..rows of client acme at the start. */
  final int rows;
  /** Keeps the in-memory database alive; tests may change rows through it. */
  final Connection keepAlive;

  /** @param name the bucket's and the database's name */
  ItemsOverS3(String name, int rows) throws SQLException {
    this.rows = rows;
    stack = EmbeddedAwsStack.builder().start();
    AwsSettings settings = EmbeddedAws.settings(stack, name);
    aws = new AwsClients(settings, 4);
    store = new S3ObjectStore(aws.s3(), settings.bucket());
    store.ensureBucket();
    dataSource = new JdbcDataSource();
    dataSource.setURL("jdbc:h2:mem:" + name.replace("-", "") + ";DB_CLOSE_DELAY=-1");
    keepAlive = dataSource.getConnection();
    try (Statement sql = keepAlive.createStatement()) {
      sql.execute("CREATE TABLE items (client_id VARCHAR(64), id BIGINT, label VARCHAR(100), version BIGINT NOT NULL,"
          + " PRIMARY KEY (client_id, id))");
      sql.execute("INSERT INTO items SELECT 'acme', X, 'item ' || X, X FROM SYSTEM_RANGE(1, " + rows + ")");
    }
  }

  @Override
  public void close() throws SQLException {
    keepAlive.close();
    store.close();
    aws.close();
    stack.close();
  }
}
