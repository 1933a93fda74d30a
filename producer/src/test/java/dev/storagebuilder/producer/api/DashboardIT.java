package dev.storagebuilder.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.producer.testing.ProducerFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The dashboard's page and files, fetched as a browser would, without a token. */
class DashboardIT {
  @Test
  void theDashboardWithoutItsTrailingSlashRedirectsToThePageWhoseFilesLoad() throws Exception {
    try (ProducerFixture producer = new ProducerFixture("dashboard", 1).start()) {
      HttpClient browser =
          HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

      // /dashboard served the page itself, so its relative dashboard.js and dashboard.css
      // resolved to /dashboard.js and /dashboard.css: 401 without a token, a page stuck on
      // "connecting…".
      HttpResponse<String> page =
          browser.send(
              HttpRequest.newBuilder(producer.uri("/dashboard?token=abc")).build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.uri().getPath()).isEqualTo("/dashboard/");
      assertThat(page.uri().getQuery()).isEqualTo("token=abc");
      assertThat(page.body()).contains("<script src=\"dashboard.js\">");
      for (String[] file :
          new String[][] {{"dashboard.js", "function refreshRuns"}, {"dashboard.css", "{"}}) {
        URI resolved = page.uri().resolve(file[0]);
        HttpResponse<String> loaded =
            browser.send(
                HttpRequest.newBuilder(resolved).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(loaded.statusCode()).as(resolved.toString()).isEqualTo(200);
        assertThat(loaded.body()).as(resolved.toString()).contains(file[1]);
      }
    }
  }
}
