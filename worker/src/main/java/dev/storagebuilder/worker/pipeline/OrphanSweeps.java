package dev.storagebuilder.worker.pipeline;

/** Told of each sweep ({@link OrphanSweep}) and of what the commits it rode on retired (for the metrics). */
public interface OrphanSweeps {
  OrphanSweeps NONE = new OrphanSweeps() {
    @Override
    public void listed() {}

    @Override
    public void listingFailed() {}

    @Override
    public void retired(int objects) {}
  };

  /** A sweep listed the target's prefix. */
  void listed();

  /** A sweep's listing failed (S3 down, no s3:ListBucket): the build went on without it. */
  void listingFailed();

  /**
   * A commit listed {@code objects} leftovers its sweep found as retired; only the attempt that won
   * the commit tells (a loser's manifest is never read, and its rebuild sweeps again).
   */
  void retired(int objects);
}
