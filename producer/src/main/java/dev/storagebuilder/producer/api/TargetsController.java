package dev.storagebuilder.producer.api;

import dev.storagebuilder.producer.runs.TargetQueries;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/** A target's committed versions: the current one, its delta chain and the last commits. */
@Controller("/api/targets")
@ExecuteOn(TaskExecutors.BLOCKING)
public class TargetsController {
  private final TargetQueries queries;

  TargetsController(TargetQueries queries) {
    this.queries = queries;
  }

  @Get("/{clientId}/{target}")
  TargetQueries.TargetDetails target(@PathVariable String clientId, @PathVariable String target) {
    return queries.target(clientId, target);
  }
}
