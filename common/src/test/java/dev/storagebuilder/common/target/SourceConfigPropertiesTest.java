package dev.storagebuilder.common.target;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceConfigPropertiesTest {
  @TempDir Path dir;

  @Test
  void thePasswordVariableIsTheOneTheDeclarationsNameInlineOrInAFile() throws Exception {
    String json = "{\"jdbcUrl\": \"jdbc:h2:mem:x\", \"passwordEnv\": \"STORAGE_BUILDER_SOURCE_DB_PASSWORD\", \"targets\": []}";
    Path file = Files.writeString(dir.resolve("source.json"), json);

    assertThat(SourceConfigProperties.passwordVariable(only(SourceConfigProperties.CONFIG_JSON, json)))
        .contains("STORAGE_BUILDER_SOURCE_DB_PASSWORD");
    assertThat(SourceConfigProperties.passwordVariable(only(SourceConfigProperties.CONFIG_FILE, file.toString())))
        .contains("STORAGE_BUILDER_SOURCE_DB_PASSWORD");
    assertThat(SourceConfigProperties.passwordVariable(only(SourceConfigProperties.JDBC_URL, "jdbc:h2:mem:x"))).isEmpty();
    assertThat(SourceConfigProperties.passwordVariable(only(SourceConfigProperties.CONFIG_JSON, "{not json"))).isEmpty();
  }

  private static java.util.function.Function<String, Optional<String>> only(String name, String value) {
    return key -> Optional.ofNullable(Map.of(name, value).get(key));
  }
}
