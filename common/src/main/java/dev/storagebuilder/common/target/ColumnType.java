package dev.storagebuilder.common.target;

/**
 * The column types a target may declare. Each maps to one Parquet physical/logical type and one JDBC
 * getter, so a snapshot holds the source's values faithfully.
 *
 * <p>Java values used by readers and checksums: BOOLEAN→Boolean, INT32→Integer, INT64→Long,
 * DOUBLE→Double, DECIMAL→BigDecimal (declared scale), STRING→String, DATE→LocalDate,
 * TIMESTAMP→Instant (microsecond precision, UTC), BYTES→byte[].
 */
public enum ColumnType {
  BOOLEAN,
  INT32,
  INT64,
  DOUBLE,
  DECIMAL,
  STRING,
  DATE,
  TIMESTAMP,
  BYTES
}
