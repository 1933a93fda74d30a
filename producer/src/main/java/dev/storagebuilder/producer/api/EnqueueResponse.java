package dev.storagebuilder.producer.api;

import dev.storagebuilder.producer.enqueue.EnqueueResult;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;

/**
 * The answer to a started run: 202 with the run, or 503 when some messages could not be sent (the
 * run exists, its unsent targets are recorded as dead-lettered with the cause).
 */
public record EnqueueResponse(String runId, int enqueued, int total, String mode, String scope) {

  /** The 503 body: the usual error plus what did happen. */
  public record PartialFailure(
      String error, String runId, int enqueued, int total, String mode, String scope) {}

  /** The legacy routes' 503 body: the same, plus the {@code taskId} old callers poll with. */
  public record LegacyPartialFailure(
      String error, String taskId, String runId, int enqueued, int total, String mode,
      String scope) {}

  /**
   * The legacy routes' answer: the same, plus the run id as the {@code taskId} old callers poll
   * with.
   */
  public record Legacy(
      String taskId, String runId, int enqueued, int total, String mode, String scope) {}

  static HttpResponse<?> of(EnqueueResult result) {
    return of(result, false);
  }

  static HttpResponse<?> of(EnqueueResult result, boolean legacy) {
    if (result.complete()) {
      String mode = result.mode().wireName();
      return HttpResponse.accepted()
          .body(
              legacy
                  ? new Legacy(
                      result.runId(),
                      result.runId(),
                      result.enqueued(),
                      result.total(),
                      mode,
                      result.scope())
                  : new EnqueueResponse(
                      result.runId(), result.enqueued(), result.total(), mode, result.scope()));
    }
    String error =
        "only "
            + result.enqueued()
            + " of "
            + result.total()
            + " messages of run "
            + result.runId()
            + " could be enqueued (first error: "
            + result.firstError().orElse("unknown")
            + "); the others are recorded as dead-lettered in the run, start a new run for them";
    String mode = result.mode().wireName();
    return HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE)
        .body(
            legacy
                ? new LegacyPartialFailure(
                    error,
                    result.runId(),
                    result.runId(),
                    result.enqueued(),
                    result.total(),
                    mode,
                    result.scope())
                : new PartialFailure(
                    error, result.runId(), result.enqueued(), result.total(), mode,
                    result.scope()));
  }
}
