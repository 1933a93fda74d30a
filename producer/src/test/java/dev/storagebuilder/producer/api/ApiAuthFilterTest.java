package dev.storagebuilder.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which paths the auth filter lets through without a token. */
class ApiAuthFilterTest {
  @Test
  void onlyPlainSpellingsOfTheOpenPathsAreOpen() {
    assertThat(ApiAuthFilter.isOpen("/health")).isTrue();
    assertThat(ApiAuthFilter.isOpen("/health/")).isTrue();
    assertThat(ApiAuthFilter.isOpen("/health/liveness")).isTrue();
    assertThat(ApiAuthFilter.isOpen("/prometheus")).isTrue();
    assertThat(ApiAuthFilter.isOpen("/openapi/storage-builder-api.yml")).isTrue();
    assertThat(ApiAuthFilter.isOpen("/dashboard/")).isTrue();
    assertThat(ApiAuthFilter.isOpen("/dashboard/dashboard.js")).isTrue();
  }

  @Test
  void protectedRoutesAndTrickySpellingsOfOpenPathsAreNotOpen() {
    for (String path :
        new String[] {
          "/", "", "/api/runs", "/update-all", "/update-all/", "//update-all", "/is-completed",
          "//health", "/health/../api/runs", "/dashboard/./x", "/dashboard//x",
          "/dashboard/%2e%2e/api/runs", "/openapi\\..\\api", "/healthz", "/prometheus-x",
          "/Health"
        }) {
      assertThat(ApiAuthFilter.isOpen(path)).as(path).isFalse();
    }
  }
}
