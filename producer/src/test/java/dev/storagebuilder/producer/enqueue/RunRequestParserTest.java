package dev.storagebuilder.producer.enqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.producer.InvalidRequestException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RunRequestParserTest {

  @Test
  void parsesScopeAllWithMode() {
    RunRequest request =
        RunRequestParser.parse("{\"scope\": \"all\", \"mode\": \"incremental\"}", "test");

    assertThat(request.scope()).isEqualTo(new RunScope.All());
    assertThat(request.mode()).isEqualTo(SyncMode.INCREMENTAL);
    assertThat(request.requestedBy()).isEqualTo("test");
  }

  @Test
  void modeDefaultsToFull() {
    assertThat(RunRequestParser.parse("{\"scope\": \"all\"}", "t").mode()).isEqualTo(SyncMode.FULL);
    assertThat(RunRequestParser.parse("{\"scope\": \"all\", \"mode\": null}", "t").mode())
        .isEqualTo(SyncMode.FULL);
  }

  @Test
  void parsesClientsScopeKeepingTheCallersOrder() {
    RunRequest request =
        RunRequestParser.parse(
            "{\"scope\": {\"clients\": [\"b\", \"a\"]}, \"mode\": \"full\"}", "t");

    assertThat(request.scope()).isEqualTo(new RunScope.Clients(List.of("b", "a")));
    assertThat(request.scope().describe()).isEqualTo("clients:b,a");
  }

  @Test
  void parsesTargetsScope() {
    RunRequest request =
        RunRequestParser.parse(
            "{\"scope\": {\"targets\": [{\"clientId\": \"a\", \"target\": \"raw_data\"},"
                + " {\"clientId\": \"b\", \"target\": \"entities\"}]}}",
            "t");

    assertThat(request.scope())
        .isEqualTo(
            new RunScope.Targets(
                List.of(new TargetRef("a", "raw_data"), new TargetRef("b", "entities"))));
    assertThat(request.scope().describe()).isEqualTo("targets:2");
  }

  @Test
  void longClientListsAreAbbreviatedInTheDescription() {
    RunScope scope = new RunScope.Clients(List.of("a", "b", "c", "d", "e", "f", "g"));
    assertThat(scope.describe()).isEqualTo("clients:a,b,c,d,e,+2 more");
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        // body | expected message fragment
        "`` | request body is required",
        "`   ` | request body is required",
        "`{\"scope\": ` | request body is not valid JSON",
        "`{scope: all}` | request body is not valid JSON",
        "`{\"scope\": \"all\"} trailing` | request body is not valid JSON",
        "`{\"scope\": \"all\", \"scope\": \"all\"}` | request body is not valid JSON: Duplicate"
            + " field 'scope'",
        "`[\"all\"]` | request body must be a JSON object",
        "`\"all\"` | request body must be a JSON object",
        "`42` | request body must be a JSON object",
        "`{}` | scope is required",
        "`{\"scope\": null}` | scope is required",
        "`{\"mode\": \"full\"}` | scope is required",
        "`{\"scope\": \"some\"}` | scope must be \"all\"",
        "`{\"scope\": 1}` | scope must be \"all\", {\"clients\": [\"<clientId>\", ...]} or"
            + " {\"targets\"",
        "`{\"scope\": [\"a\"]}` | got an array",
        "`{\"scope\": true}` | got a boolean (true)",
        "`{\"scope\": {}}` | scope must have exactly one of 'clients' or 'targets'",
        "`{\"scope\": {\"clients\": [\"a\"], \"targets\": []}}` | scope must have exactly one of"
            + " 'clients' or 'targets'",
        "`{\"scope\": {\"client\": [\"a\"]}}` | scope: unknown field 'client' (accepted: clients,"
            + " targets)",
        "`{\"scope\": {\"clients\": []}}` | scope.clients must not be empty",
        "`{\"scope\": {\"clients\": \"a\"}}` | scope.clients must be an array of client ids, got a"
            + " string",
        "`{\"scope\": {\"clients\": null}}` | scope.clients must be an array of client ids, got"
            + " null",
        "`{\"scope\": {\"clients\": [1]}}` | scope.clients[0] must be a client id string, got a"
            + " number (1)",
        "`{\"scope\": {\"clients\": [\"a\", null]}}` | scope.clients[1] must be a client id string,"
            + " got null",
        "`{\"scope\": {\"clients\": [\"a b\"]}}` | scope.clients[0]: clientId must be",
        "`{\"scope\": {\"clients\": [\"a\", \"a\"]}}` | scope.clients[1]: client 'a' is listed"
            + " twice",
        "`{\"scope\": {\"targets\": []}}` | scope.targets must not be empty",
        "`{\"scope\": {\"targets\": {}}}` | scope.targets must be an array",
        "`{\"scope\": {\"targets\": [\"a/raw_data\"]}}` | scope.targets[0] must be an object",
        "`{\"scope\": {\"targets\": [{\"clientId\": \"a\"}]}}` | scope.targets[0].target must be a"
            + " target kind string, got nothing",
        "`{\"scope\": {\"targets\": [{\"target\": \"raw_data\"}]}}` | scope.targets[0].clientId"
            + " must be a client id string, got nothing",
        "`{\"scope\": {\"targets\": [{\"clientId\": 7, \"target\": \"raw_data\"}]}}` |"
            + " scope.targets[0].clientId must be a client id string, got a number",
        "`{\"scope\": {\"targets\": [{\"clientId\": \"a\", \"target\": \"Raw Data\"}]}}` |"
            + " scope.targets[0].target: target must be",
        "`{\"scope\": {\"targets\": [{\"clientId\": \"a\", \"target\": \"raw_data\", \"x\": 1}]}}`"
            + " | scope.targets[0]: unknown field 'x'",
        "`{\"scope\": {\"targets\": [{\"clientId\": \"a\", \"target\": \"raw_data\"},"
            + " {\"clientId\": \"a\", \"target\": \"raw_data\"}]}}` | scope.targets[1]: target"
            + " a/raw_data is listed twice",
        "`{\"scope\": \"all\", \"mode\": \"fast\"}` | mode must be 'full' or 'incremental', got"
            + " 'fast'",
        "`{\"scope\": \"all\", \"mode\": 1}` | mode must be a string, \"full\" or \"incremental\","
            + " got a number (1)",
        "`{\"scope\": \"all\", \"mode\": [\"full\"]}` | mode must be a string",
        "`{\"scope\": \"all\", \"priority\": 1}` | request body: unknown field 'priority'"
            + " (accepted: mode, scope)",
      })
  void rejectsWithAMessageNamingTheProblem(String body, String expected) {
    assertThatThrownBy(() -> RunRequestParser.parse(body, "t"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining(expected.strip());
  }
}
