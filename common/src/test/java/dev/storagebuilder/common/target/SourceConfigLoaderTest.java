package dev.storagebuilder.common.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SourceConfigLoaderTest {
  private static final String TARGET =
      "{\"name\": \"orders\", \"table\": \"orders\", \"clientColumn\": \"client_id\", \"keyColumns\": [\"id\"],"
          + " \"versionColumn\": \"version\", \"columns\": [{\"name\": \"id\", \"type\": \"INT64\", \"nullable\": false},"
          + " {\"name\": \"version\", \"type\": \"INT64\", \"nullable\": false}]}";

  private static String config(String targets) {
    return "{\"jdbcUrl\": \"jdbc:h2:mem:x\", \"clientsQuery\": \"SELECT id FROM clients\", \"targets\": [" + targets + "]}";
  }

  private static Throwable parsing(String json) {
    return catchThrowable(() -> SourceConfigLoader.parse(json, Map.of(), "source.json"));
  }

  @Test
  void aValidFileLoadsItsTarget() {
    SourceConfig config = SourceConfigLoader.parse(config(TARGET), Map.of(), "source.json");

    assertThat(config.targetNames()).containsExactly("orders");
    assertThat(config.target("orders").orElseThrow().keyColumns()).containsExactly("id");
  }

  @Test
  void aNullTargetIsRefusedNamingItsPlace() {
    assertThat(parsing(config(TARGET + ", null")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("source.json: targets[1]: expected a target declaration object, got null");
  }

  @Test
  void aNullKeyColumnIsRefusedNamingTheTargetAndTheField() {
    assertThat(parsing(config(TARGET.replace("[\"id\"]", "[\"id\", null]"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("source.json: targets[0]: target 'orders': keyColumns must not list null");
  }

  @Test
  void aNullColumnIsRefusedNamingTheTargetAndTheField() {
    assertThat(parsing(config(TARGET.replace("\"columns\": [", "\"columns\": [null, "))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("source.json: targets[0]: target 'orders': columns must not list null");
  }

  @Test
  void aDuplicateFieldIsRefusedInsteadOfTakingTheLastOne() {
    String twoUrls = config(TARGET).replace("{\"jdbcUrl\"", "{\"jdbcUrl\": \"jdbc:postgresql://prod/app\", \"jdbcUrl\"");
    String twoKeys = config(TARGET.replace("\"keyColumns\": [\"id\"]", "\"keyColumns\": [\"id\"], \"keyColumns\": [\"version\"]"));

    assertThat(parsing(twoUrls))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("source.json: not valid JSON: Duplicate field 'jdbcUrl'");
    assertThat(parsing(twoKeys))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("source.json: not valid JSON: Duplicate field 'keyColumns'");
  }

  @Test
  void contentAfterTheDeclarationsIsRefused() {
    assertThat(parsing(config(TARGET) + " {\"targets\": []}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("source.json: not valid JSON: Trailing token");
  }

  @Test
  void aSettingThatIsNotAStringIsRefusedInsteadOfReadAsItsText() {
    String objectUser = config(TARGET).replace("{\"jdbcUrl\"", "{\"username\": {\"name\": \"reader\"}, \"jdbcUrl\"");
    String arrayPasswordEnv = config(TARGET).replace("{\"jdbcUrl\"", "{\"passwordEnv\": [\"SB_PW\"], \"jdbcUrl\"");

    // asText() made the first an empty user name and the second an unset variable named "".
    assertThat(parsing(objectUser))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("source.json: 'username' must be a string, got {\"name\":\"reader\"}");
    assertThat(catchThrowable(() -> SourceConfigLoader.parse(arrayPasswordEnv, Map.of("SB_PW", "secret"), "source.json")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("source.json: 'passwordEnv' must be a string, got [\"SB_PW\"]");
  }
}
