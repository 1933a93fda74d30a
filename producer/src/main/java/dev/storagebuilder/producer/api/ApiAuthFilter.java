package dev.storagebuilder.producer.api;

import dev.storagebuilder.producer.auth.ApiTokens;
import dev.storagebuilder.producer.config.ApiAccessSettings;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;

/**
 * Bearer-token access to the admin API and the legacy aliases. Reads (GET, HEAD) need any valid
 * token; everything else (start a run, redrive) needs a read-write one. {@code /health}, {@code
 * /prometheus}, {@code /openapi.yml} and the dashboard's static files stay open: probes and
 * scrapers carry no token, and none of them holds tenant data (the dashboard fetches its data from
 * {@code /api} with the user's token).
 */
@ServerFilter({"/api/**", "/update-all", "/update", "/is-completed"})
final class ApiAuthFilter {
  private final ApiTokens tokens;

  ApiAuthFilter(ApiAccessSettings settings) {
    this.tokens = new ApiTokens(settings.readWriteTokens(), settings.readOnlyTokens());
  }

  /** Null lets the request through; a response answers it here. */
  @RequestFilter
  @Nullable
  HttpResponse<?> authorize(HttpRequest<?> request) {
    ApiTokens.Access access =
        tokens.accessFor(request.getHeaders().get(HttpHeaders.AUTHORIZATION));
    if (access == ApiTokens.Access.NONE) {
      String message =
          request.getHeaders().contains(HttpHeaders.AUTHORIZATION)
              ? "invalid API token"
              : "missing API token: send Authorization: Bearer <token>";
      return HttpResponse.<ApiError>status(HttpStatus.UNAUTHORIZED)
          .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"storage-builder\"")
          .body(new ApiError(message));
    }
    boolean read =
        request.getMethod() == HttpMethod.GET
            || request.getMethod() == HttpMethod.HEAD
            || request.getMethod() == HttpMethod.OPTIONS;
    if (!read && access != ApiTokens.Access.READ_WRITE) {
      return ApiErrorHandlers.error(
          HttpStatus.FORBIDDEN,
          "this token is read-only: "
              + request.getMethod()
              + " "
              + request.getPath()
              + " needs a token from STORAGE_BUILDER_API_TOKENS");
    }
    return null;
  }
}
