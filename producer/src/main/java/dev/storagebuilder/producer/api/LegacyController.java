package dev.storagebuilder.producer.api;

import dev.storagebuilder.common.ids.Ids;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.producer.InvalidRequestException;
import dev.storagebuilder.producer.enqueue.RunEnqueuer;
import dev.storagebuilder.producer.enqueue.RunRequest;
import dev.storagebuilder.producer.enqueue.RunRequestParser;
import dev.storagebuilder.producer.enqueue.RunScope;
import dev.storagebuilder.producer.runs.RunQueries;
import dev.storagebuilder.producer.runs.RunView;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.List;

/**
 * The legacy service's routes, kept so old callers work: thin aliases over the same enqueue and
 * ledger reads as {@code /api/runs}. A legacy {@code taskId} is a run id. ({@code /health} is the
 * management health endpoint.)
 */
@Controller
@ExecuteOn(TaskExecutors.BLOCKING)
public class LegacyController {
  private final RunEnqueuer enqueuer;
  private final RunQueries queries;

  LegacyController(RunEnqueuer enqueuer, RunQueries queries) {
    this.enqueuer = enqueuer;
    this.queries = queries;
  }

  /** Every client, every target; {@code mode} defaults to full. */
  @Post("/update-all{?mode}")
  HttpResponse<?> updateAll(@QueryValue @Nullable String mode) {
    return EnqueueResponse.of(
        enqueuer.start(new RunRequest(new RunScope.All(), modeOf(mode), "legacy:update-all")),
        true);
  }

  /** One client, every target. */
  @Post("/update{?clientId,mode}")
  HttpResponse<?> update(@QueryValue @Nullable String clientId, @QueryValue @Nullable String mode) {
    if (clientId == null || clientId.isBlank()) {
      throw new InvalidRequestException(
          "clientId query parameter is required, e.g. /update?clientId=acme");
    }
    String id;
    try {
      id = Ids.requireClientId(clientId);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
    return EnqueueResponse.of(
        enqueuer.start(
            new RunRequest(new RunScope.Clients(List.of(id)), modeOf(mode), "legacy:update")),
        true);
  }

  /** {@code {"taskId", "completed", "state"}}; 404 for an unknown task. */
  @Get("/is-completed{?taskId}")
  Completion isCompleted(@QueryValue @Nullable String taskId) {
    if (taskId == null || taskId.isBlank()) {
      throw new InvalidRequestException(
          "taskId query parameter is required (the runId an update returned)");
    }
    RunView run = queries.run(taskId);
    return new Completion(taskId, run.finishedAt() != null, run.state());
  }

  public record Completion(String taskId, boolean completed, String state) {}

  private static SyncMode modeOf(String mode) {
    return mode == null || mode.isBlank() ? SyncMode.FULL : RunRequestParser.parseMode(mode);
  }
}
