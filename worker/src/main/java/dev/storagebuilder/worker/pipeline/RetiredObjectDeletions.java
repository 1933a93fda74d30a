package dev.storagebuilder.worker.pipeline;

/** Told what became of each retired object the worker deleted after its grace (for the metrics). */
public interface RetiredObjectDeletions {
  RetiredObjectDeletions NONE = new RetiredObjectDeletions() {
    @Override
    public void deleted() {}

    @Override
    public void failed() {}
  };

  void deleted();

  /** The delete failed: this commit does not try again, so the object stays in S3 until the target's next sweep. */
  void failed();
}
