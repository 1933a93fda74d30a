package dev.storagebuilder.producer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.producer.auth.ApiTokens;
import dev.storagebuilder.producer.auth.ApiTokens.Access;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ApiAccessSettingsTest {
  private static ApiAccessSettings of(Map<String, String> properties) {
    return ProducerSettingsFactory.apiAccessFromProperties(
        name -> Optional.ofNullable(properties.get(name)));
  }

  @Test
  void commaSeparatedTokensAreTrimmedAndEmptyEntriesIgnored() {
    ApiAccessSettings settings =
        of(
            Map.of(
                ProducerSettingsFactory.API_TOKENS, " aaaaaaaaaaaaaaaa , bbbbbbbbbbbbbbbb,,",
                ProducerSettingsFactory.READONLY_TOKENS, "cccccccccccccccc"));
    assertThat(settings.readWriteTokens()).containsExactly("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb");
    assertThat(settings.readOnlyTokens()).containsExactly("cccccccccccccccc");
    assertThat(settings.toString()).doesNotContain("aaaa").contains("2 read-write");
  }

  @Test
  void theApiDoesNotStartWithoutAToken() {
    assertThatThrownBy(() -> of(Map.of()))
        .hasMessageContaining("STORAGE_BUILDER_API_TOKENS");
  }

  @Test
  void shortTokensAndTokensInBothListsAreRefusedNamingTheSetting() {
    assertThatThrownBy(() -> of(Map.of(ProducerSettingsFactory.API_TOKENS, "short")))
        .hasMessageContaining(ProducerSettingsFactory.API_TOKENS)
        .hasMessageContaining("at least 16");
    assertThatThrownBy(
            () ->
                of(
                    Map.of(
                        ProducerSettingsFactory.API_TOKENS, "aaaaaaaaaaaaaaaa",
                        ProducerSettingsFactory.READONLY_TOKENS, "aaaaaaaaaaaaaaaa")))
        .hasMessageContaining("either read-write or read-only");
  }

  @Test
  void aTokenNoHeaderCanCarryIsRefusedNamingTheSetting() {
    // An HTTP header arrives as bytes read one per character: the UTF-8 of 'ö' is two characters
    // there, so a token with it never matched and every request was answered 401.
    assertThatThrownBy(
            () -> of(Map.of(ProducerSettingsFactory.API_TOKENS, "t\u00f6k\u00e9n-0123456789abcdef")))
        .hasMessageContaining(ProducerSettingsFactory.API_TOKENS)
        .hasMessageContaining("token #1")
        .hasMessageContaining("printable ASCII");
    assertThatThrownBy(
            () ->
                of(
                    Map.of(
                        ProducerSettingsFactory.API_TOKENS, "aaaaaaaaaaaaaaaa",
                        ProducerSettingsFactory.READONLY_TOKENS,
                            "cccccccccccccccc,bell\u0007-0123456789abcdef")))
        .hasMessageContaining(ProducerSettingsFactory.READONLY_TOKENS)
        .hasMessageContaining("token #2")
        .hasMessageContaining("printable ASCII");
  }

  @Test
  void tokensGrantTheirAccessOnlyAsBearerTokens() {
    ApiTokens tokens =
        new ApiTokens(
            java.util.List.of("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"),
            java.util.List.of("cccccccccccccccc"));
    assertThat(tokens.accessFor("Bearer aaaaaaaaaaaaaaaa")).isEqualTo(Access.READ_WRITE);
    assertThat(tokens.accessFor("bearer bbbbbbbbbbbbbbbb")).isEqualTo(Access.READ_WRITE);
    assertThat(tokens.accessFor("Bearer cccccccccccccccc")).isEqualTo(Access.READ_ONLY);
    assertThat(tokens.accessFor("Bearer aaaaaaaaaaaaaaa")).isEqualTo(Access.NONE);
    assertThat(tokens.accessFor("aaaaaaaaaaaaaaaa")).isEqualTo(Access.NONE);
    assertThat(tokens.accessFor("Basic aaaaaaaaaaaaaaaa")).isEqualTo(Access.NONE);
    assertThat(tokens.accessFor("Bearer ")).isEqualTo(Access.NONE);
    assertThat(tokens.accessFor(null)).isEqualTo(Access.NONE);
  }
}
