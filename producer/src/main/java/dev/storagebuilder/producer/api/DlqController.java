package dev.storagebuilder.producer.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.producer.dlq.DeadLetterQueue;
import dev.storagebuilder.producer.dlq.DlqInspector;
import dev.storagebuilder.producer.dlq.DlqMessage;
import dev.storagebuilder.producer.dlq.DlqRedriver;
import dev.storagebuilder.producer.dlq.RedriveRequest;
import dev.storagebuilder.producer.dlq.RedriveResult;
import dev.storagebuilder.producer.enqueue.RunRequestParser;
import dev.storagebuilder.producer.runs.RunQueries;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.List;

/** The dead-letter queue: what is in it and why, and moving messages back to work. */
@Controller("/api/dlq")
@ExecuteOn(TaskExecutors.BLOCKING)
public class DlqController {
  static final int DEFAULT_LIST = 10;
  static final int MAX_BODY_SHOWN = 4_096;

  private final DlqInspector inspector;
  private final DlqRedriver redriver;

  DlqController(DlqInspector inspector, DlqRedriver redriver) {
    this.inspector = inspector;
    this.redriver = redriver;
  }

  /** A peek at up to {@code limit} (1..100, default 10) messages; leaves them all visible. */
  @Get("{?limit}")
  MessageList list(@QueryValue @Nullable String limit) {
    int max = RunQueries.parseLimit(limit, DEFAULT_LIST, DlqInspector.MAX_LIST);
    return new MessageList(inspector.peek(max).stream().map(MessageView::of).toList());
  }

  @Get("/stats")
  DlqInspector.DlqStats stats() {
    return inspector.stats();
  }

  /**
   * {@code {"dryRun": bool, "filter": {...}, "run": "original" | "new"}}. Everything into the
   * original runs → 202 with the move task; otherwise → 200 with what moved (or would move). The
   * body is read as text and parsed as a run request is: a duplicate field or trailing content is a
   * 400 (Micronaut's parser kept the last of two {@code dryRun}s, so {@code {"dryRun": true,
   * "dryRun": false}} moved everything), and a form content type is read as JSON, as {@code curl -d}
   * sends it.
   */
  @Post("/redrive")
  @Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.APPLICATION_FORM_URLENCODED})
  HttpResponse<RedriveResult> redrive(@Body @Nullable String body) {
    RedriveResult result =
        redriver.redrive(RedriveRequest.parse(RunRequestParser.readObject(body, RedriveRequest.SHAPE)));
    return result instanceof RedriveResult.MoveTaskStarted
        ? HttpResponse.accepted().body(result)
        : HttpResponse.ok(result);
  }

  @Get("/redrive")
  MoveTaskList moveTasks() {
    return new MoveTaskList(redriver.moveTasks().stream().map(MoveTaskView::of).toList());
  }

  public record MessageList(List<MessageView> messages) {}

  /** A DLQ message; {@code body} is cut at {@value #MAX_BODY_SHOWN} characters. */
  public record MessageView(
      String messageId,
      String reason,
      String detail,
      String runId,
      String clientId,
      String target,
      String sentAt,
      int receiveCount,
      String body) {
    static MessageView of(DlqMessage m) {
      String body =
          m.body() == null || m.body().length() <= MAX_BODY_SHOWN
              ? m.body()
              : m.body().substring(0, MAX_BODY_SHOWN) + "…";
      return new MessageView(
          m.messageId(),
          m.reason(),
          m.detail(),
          m.runId(),
          m.clientId(),
          m.target(),
          m.sentAt() == null ? null : m.sentAt().toString(),
          m.receiveCount(),
          body);
    }
  }

  public record MoveTaskList(List<MoveTaskView> tasks) {}

  public record MoveTaskView(
      String taskHandle,
      String status,
      long approximateNumberOfMessagesMoved,
      Long approximateNumberOfMessagesToMove,
      String failureReason,
      String startedAt) {
    static MoveTaskView of(DeadLetterQueue.MoveTask task) {
      return new MoveTaskView(
          task.taskHandle(),
          task.status(),
          task.moved(),
          task.toMove(),
          task.failureReason(),
          task.startedAt() == null ? null : task.startedAt().toString());
    }
  }
}
