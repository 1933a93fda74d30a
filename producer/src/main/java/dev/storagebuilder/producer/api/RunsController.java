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
   * here, so every mistake gets a message naming the field. A form content type is read the same
   * way: it is what {@code curl -d} sends without {@code -H 'Content-Type: ...'}.
   */
  @Post
  @Consumes({
    MediaType.APPLICATION_JSON,
    MediaType.TEXT_PLAIN,
    MediaType.APPLICATION_FORM_URLENCODED
  })
  HttpResponse<?> start(@Body @Nullable String body) {
    return EnqueueResponse.of(enqueuer.start(RunRequestParser.parse(body, REQUESTED_BY)));
  }

  /**
   * Newest first, {@code limit} (1..200, default 20) per page; pass the answer's {@code
   * nextCursor} as {@code cursor} for the next, older page.
   */
  @Get("{?limit,cursor}")
  RunList recent(@QueryValue @Nullable String limit, @QueryValue @Nullable String cursor) {
    RunQueries.RunPage page =
        queries.page(
            RunQueries.parseLimit(limit, RunQueries.DEFAULT_LIMIT, RunQueries.MAX_LIMIT),
            cursor == null || cursor.isBlank() ? null : cursor.trim());
    return new RunList(page.runs(), page.nextCursor());
  }

  @Get("/{runId}")
  RunView run(@PathVariable String runId) {
    return queries.run(runId);
  }

  @Get("/{runId}/targets{?state}")
  TargetList targets(@PathVariable String runId, @QueryValue @Nullable String state) {
    return new TargetList(runId, state, queries.targets(runId, RunQueries.parseState(state)));
  }

  /**
   * Newest first.
   *
   * @param nextCursor the {@code cursor} of the next page; null on the last one
   */
  public record RunList(List<RunView> runs, @Nullable String nextCursor) {}

  /**
   * @param state the filter, or null for every state
   */
  public record TargetList(String runId, String state, List<TargetView> targets) {}
}
