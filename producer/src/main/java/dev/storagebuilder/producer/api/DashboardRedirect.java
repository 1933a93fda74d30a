package dev.storagebuilder.producer.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.net.URI;

/**
 * {@code /dashboard} → {@code /dashboard/}, its query (a {@code ?token=}) kept. Served as it was,
 * the page's relative {@code dashboard.js} and {@code dashboard.css} resolved to {@code
 * /dashboard.js} and {@code /dashboard.css}, outside the open static files: 401, and a page that
 * never left "connecting…". A filter, not a route: the router takes {@code /dashboard/} for a
 * route {@code /dashboard} too, and the redirect would loop.
 */
@ServerFilter("/dashboard")
final class DashboardRedirect {
  /** Null lets the request through; a response answers it here. */
  @RequestFilter
  @Nullable
  HttpResponse<?> redirect(HttpRequest<?> request) {
    if (!request.getPath().equals("/dashboard")) {
      return null;
    }
    String query = request.getUri().getRawQuery();
    URI page = URI.create("/dashboard/");
    try {
      if (query != null && !query.isEmpty()) {
        page = URI.create("/dashboard/?" + query);
      }
    } catch (IllegalArgumentException e) {
      // a query no URI can hold: the page without it
    }
    return HttpResponse.redirect(page);
  }
}
