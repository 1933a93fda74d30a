package dev.storagebuilder.producer.api;

import dev.storagebuilder.producer.enqueue.RunEnqueuer;
import dev.storagebuilder.producer.enqueue.RunRequestParser;
import dev.storagebuilder.producer.runs.RunQueries;
import dev.storagebuilder.producer.runs.RunView;
import dev.storagebuilder.producer.runs.TargetView;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.List;

/** Runs: start one, follow one, list recent ones, list a run's targets. */
@Controller("/api/runs")
@ExecuteOn(TaskExecutors.BLOCKING)
public class RunsController {
  static final String REQUESTED_BY = "api";

  private final RunEnqueuer enqueuer;
  private final RunQueries queries;

  RunsController(RunEnqueuer enqueuer, RunQueries queries) {
    this.enqueuer = enqueuer;
    this.queries = queries;
  }

  /**
   * {@code {"scope": "all" | {"clients": [...]} | {"targets": [{"clientId", "target"}]}, "mode":
   * "full" | "incremental"}} → 202 {@link EnqueueResponse}. The body is read as text and parsed
   * here, so every mistake gets a message naming the field.
   */
  @Post
  @Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
  HttpResponse<?> start(@Body @Nullable String body) {
    return EnqueueResponse.of(enqueuer.start(RunRequestParser.parse(body, REQUESTED_BY)));
  }

  @Get("{?limit}")
  RunList recent(@QueryValue @Nullable String limit) {
    return new RunList(
        queries.recent(
            RunQueries.parseLimit(limit, RunQueries.DEFAULT_LIMIT, RunQueries.MAX_LIMIT)));
  }

  @Get("/{runId}")
  RunView run(@PathVariable String runId) {
    return queries.run(runId);
  }

  @Get("/{runId}/targets{?state}")
  TargetList targets(@PathVariable String runId, @QueryValue @Nullable String state) {
    return new TargetList(runId, state, queries.targets(runId, RunQueries.parseState(state)));
  }

  /** Newest first. */
  public record RunList(List<RunView> runs) {}

  /**
   * @param state the filter, or null for every state
   */
  public record TargetList(String runId, String state, List<TargetView> targets) {}
}
