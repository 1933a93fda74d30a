/**
 * The snapshot format: how a target's rows are stored, listed and read back.
 *
 * <p>A target's state is a <b>base</b> file plus an ordered chain of <b>delta</b> files, all Apache
 * Parquet with ZSTD pages, listed by a JSON {@link dev.storagebuilder.common.snapshot.Manifest}
 * (written by {@link dev.storagebuilder.common.snapshot.ManifestCodec}, keys from {@link
 * dev.storagebuilder.common.snapshot.StorageLayout}). Columns map one to one onto Parquet logical
 * types (see {@code SnapshotSchema}), so DuckDB, Spark, Athena or pandas read the files directly; a
 * delta adds {@code _sb_op} ('U'/'D') and {@code _sb_version}, so any Parquet reader can apply it.
 * Every file records its column declarations in its key-value metadata ({@code
 * storage-builder.columns}).
 *
 * <p>{@link dev.storagebuilder.common.snapshot.SnapshotWriter} streams JDBC rows straight into
 * Parquet's column writers; {@link dev.storagebuilder.common.snapshot.SnapshotReader} streams the
 * current state back; {@link dev.storagebuilder.common.snapshot.RowChecksum} and {@link
 * dev.storagebuilder.common.snapshot.JdbcValues} let {@code verify} compare a snapshot with its
 * source without trusting either side's reader. Neither writing nor reading loads a Hadoop class:
 * the codec factory, the output file and the page reader here replace parquet-hadoop's Hadoop-bound
 * ones.
 */
package dev.storagebuilder.common.snapshot;
