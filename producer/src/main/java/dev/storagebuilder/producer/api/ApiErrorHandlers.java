package dev.storagebuilder.producer.api;

import dev.storagebuilder.producer.ConflictException;
import dev.storagebuilder.producer.InvalidRequestException;
import dev.storagebuilder.producer.ServiceUnavailableException;
import dev.storagebuilder.producer.runs.UnknownRunException;
import dev.storagebuilder.producer.runs.UnknownTargetException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Our exceptions to status codes; each answer carries the exception's message as {@link ApiError}.
 */
final class ApiErrorHandlers {
  private static final Logger log = LoggerFactory.getLogger(ApiErrorHandlers.class);

  private ApiErrorHandlers() {}

  static HttpResponse<ApiError> error(HttpStatus status, String message) {
    return HttpResponse.<ApiError>status(status).body(new ApiError(message));
  }

  @Produces
  @Singleton
  @Requires(classes = {InvalidRequestException.class, ExceptionHandler.class})
  static final class InvalidRequest
      implements ExceptionHandler<InvalidRequestException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, InvalidRequestException e) {
      return error(HttpStatus.BAD_REQUEST, e.getMessage());
    }
  }

  @Produces
  @Singleton
  @Requires(classes = {UnknownRunException.class, ExceptionHandler.class})
  static final class UnknownRun
      implements ExceptionHandler<UnknownRunException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, UnknownRunException e) {
      return error(HttpStatus.NOT_FOUND, e.getMessage());
    }
  }

  @Produces
  @Singleton
  @Requires(classes = {UnknownTargetException.class, ExceptionHandler.class})
  static final class UnknownTarget
      implements ExceptionHandler<UnknownTargetException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, UnknownTargetException e) {
      return error(HttpStatus.NOT_FOUND, e.getMessage());
    }
  }

  @Produces
  @Singleton
  @Requires(classes = {ConflictException.class, ExceptionHandler.class})
  static final class Conflict
      implements ExceptionHandler<ConflictException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, ConflictException e) {
      return error(HttpStatus.CONFLICT, e.getMessage());
    }
  }

  @Produces
  @Singleton
  @Requires(classes = {ServiceUnavailableException.class, ExceptionHandler.class})
  static final class Unavailable
      implements ExceptionHandler<ServiceUnavailableException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, ServiceUnavailableException e) {
      log.warn("{} {}: {}", request.getMethod(), request.getPath(), e.getMessage());
      return error(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
    }
  }

  /** An AWS call that failed after the SDK's own retries. */
  @Produces
  @Singleton
  @Requires(classes = {SdkException.class, ExceptionHandler.class})
  static final class Aws implements ExceptionHandler<SdkException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, SdkException e) {
      log.warn("{} {}: AWS call failed: {}", request.getMethod(), request.getPath(), e.toString());
      return error(HttpStatus.SERVICE_UNAVAILABLE, "an AWS call failed: " + e.getMessage());
    }
  }
}
