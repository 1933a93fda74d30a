package dev.storagebuilder.producer.api;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.JsonErrorResponseBodyProvider;
import jakarta.inject.Singleton;
import java.util.stream.Collectors;

/**
 * Gives the errors Micronaut answers itself (a body that is not JSON, a query value of the wrong
 * type, an unknown route, a wrong method) the same {@link ApiError} shape as ours.
 */
@Singleton
@Replaces(JsonErrorResponseBodyProvider.class)
final class ApiErrorBodyProvider implements JsonErrorResponseBodyProvider<ApiError> {
  @Override
  public ApiError body(ErrorContext context, HttpResponse<?> response) {
    String message =
        context.hasErrors()
            ? context.getErrors().stream().map(Error::getMessage).collect(Collectors.joining("; "))
            : response.reason();
    return new ApiError(message);
  }
}
