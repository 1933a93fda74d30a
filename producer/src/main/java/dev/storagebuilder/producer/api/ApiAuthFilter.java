package dev.storagebuilder.producer.api;

import dev.storagebuilder.producer.auth.ApiTokens;
import dev.storagebuilder.producer.config.ApiAccessSettings;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Filter;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.util.List;
import java.util.Set;

/**
 * Bearer-token access to everything the producer serves except a few open paths. Reads (GET,
 * HEAD) need any valid token; everything else (start a run, redrive) needs a read-write one.
 * {@code /health}, {@code /prometheus}, the OpenAPI document and the dashboard's static files stay
 * open: probes and scrapers carry no token, and none of them holds tenant data (the dashboard
 * fetches its data from {@code /api} with the user's token).
 *
 * <p>The filter matches every path and lets only the open ones through, rather than matching the
 * protected ones: the router also routes spellings a filter pattern does not match ({@code
 * /update-all/}, {@code //update-all}), so a list of protected patterns leaks whatever it misses,
 * while an unknown spelling of an open path merely needs a token.
 */
@ServerFilter(Filter.MATCH_ALL_PATTERN)
final class ApiAuthFilter {
  /** First path segments served without a token; see {@link #isOpen}. */
  static final Set<String> OPEN_SEGMENTS = Set.of("health", "prometheus", "openapi", "dashboard");

  private final ApiTokens tokens;

  ApiAuthFilter(ApiAccessSettings settings) {
    this.tokens = new ApiTokens(settings.readWriteTokens(), settings.readOnlyTokens());
  }

  /** Null lets the request through; a response answers it here. */
  @RequestFilter
  @Nullable
  HttpResponse<?> authorize(HttpRequest<?> request) {
    if (isOpen(request.getPath())) {
      return null;
    }
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

  /**
   * True for {@code /health}, {@code /prometheus}, {@code /openapi/...} and {@code /dashboard/...}
   * spelled plainly: one leading slash, no empty, dot or escaped segments, so no spelling of an
   * open prefix can reach another route.
   */
  static boolean isOpen(String path) {
    if (path == null
        || !path.startsWith("/")
        || path.indexOf('%') >= 0
        || path.indexOf('\\') >= 0) {
      return false;
    }
    List<String> segments = List.of(path.substring(1).split("/", -1));
    if (!OPEN_SEGMENTS.contains(segments.get(0))) {
      return false;
    }
    for (int i = 1; i < segments.size(); i++) {
      String segment = segments.get(i);
      boolean trailingSlash = i == segments.size() - 1 && segment.isEmpty();
      if (!trailingSlash && (segment.isEmpty() || segment.equals(".") || segment.equals(".."))) {
        return false;
      }
    }
    return true;
  }
}
