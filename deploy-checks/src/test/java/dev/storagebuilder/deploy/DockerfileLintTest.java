package dev.storagebuilder.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storagebuilder.deploy.DockerfileLint.Rule;
import dev.storagebuilder.deploy.DockerfileLint.Violation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The images: pinned, unprivileged, health-checked, sized by the container, built from the fat jars. */
class DockerfileLintTest {
  private static final String GOOD = """
      # syntax=docker/dockerfile:1
      FROM eclipse-temurin:21.0.8_9-jdk-noble AS build
      COPY worker/target/worker-0.1.0-SNAPSHOT.jar /build/app.jar
      FROM eclipse-temurin:21.0.8_9-jre-noble
      COPY --from=build /build/app.jar /app/app.jar
      USER 10001:10001
      EXPOSE 8081
      HEALTHCHECK --interval=15s \\
          CMD wget -qO- http://127.0.0.1:8081/health > /dev/null || exit 1
      ENTRYPOINT ["java", "-XX:MaxRAMPercentage=60", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/app.jar"]
      """;

  @ParameterizedTest(name = "docker/{0}.Dockerfile")
  @ValueSource(strings = {"producer", "worker"})
  void projectDockerfilesPassEveryRule(String service) throws IOException {
    assertThat(DockerfileLint.lint(dockerfile(service))).isEmpty();
  }

  @ParameterizedTest(name = "docker/{0}.Dockerfile")
  @ValueSource(strings = {"producer", "worker"})
  void imagesAreBuiltFromTheFatJarTheMavenBuildMakes(String service) throws IOException {
    String jar = service + "/target/" + service + "-0.1.0-SNAPSHOT.jar";
    assertThat(DockerfileLint.parse(dockerfile(service)))
        .anyMatch(i -> i.keyword().equals("COPY") && i.arguments().startsWith(jar + " "));
    List<String> ignore = Files.readAllLines(Repository.ROOT.resolve(".dockerignore")).stream()
        .map(String::strip)
        .filter(line -> !line.isEmpty() && !line.startsWith("#"))
        .toList();
    assertThat(ignore).as(".dockerignore sends only the jars").startsWith("*").contains("!" + jar);
  }

  @Test
  void imagesAndTaskDefinitionsAgreeOnPortsAndTheHealthRoute() throws IOException {
    TerraformConfig.Module services = TerraformConfig.repository().module("modules/services");
    for (String service : List.of("producer", "worker")) {
      String health = services.local(service + "_health_path").asText();
      int port = services.local(service + "_port").asInt();
      String text = dockerfile(service);
      assertThat(DockerfileLint.instructionArguments(text, "EXPOSE")).as("%s EXPOSE", service).isEqualTo(String.valueOf(port));
      assertThat(DockerfileLint.instructionArguments(text, "HEALTHCHECK"))
          .as("%s HEALTHCHECK", service)
          .contains("wget -qO- http://127.0.0.1:" + port + health);
    }
  }

  @Test
  void aDockerfileFollowingTheRulesHasNoViolations() {
    assertThat(DockerfileLint.lint(GOOD)).isEmpty();
  }

  static Stream<Arguments> badDockerfiles() {
    return Stream.of(
        Arguments.of(Rule.PINNED_BASE_IMAGE, GOOD.replace("eclipse-temurin:21.0.8_9-jdk-noble AS build", "eclipse-temurin AS build")),
        Arguments.of(Rule.PINNED_BASE_IMAGE, GOOD.replace("eclipse-temurin:21.0.8_9-jre-noble", "eclipse-temurin:latest")),
        Arguments.of(Rule.TEMURIN_21_JRE_RUNTIME, GOOD.replace("eclipse-temurin:21.0.8_9-jre-noble", "eclipse-temurin:21.0.8_9-jdk-noble")),
        Arguments.of(Rule.TEMURIN_21_JRE_RUNTIME, GOOD.replace("eclipse-temurin:21.0.8_9-jre-noble", "eclipse-temurin:17.0.16_8-jre-noble")),
        Arguments.of(Rule.NON_ROOT_USER, GOOD.replace("USER 10001:10001", "USER root")),
        Arguments.of(Rule.NON_ROOT_USER, GOOD.replace("USER 10001:10001\n", "")),
        Arguments.of(Rule.NON_ROOT_USER, GOOD.replace("USER 10001:10001\n", "USER 10001\nUSER 0:0\n")),
        Arguments.of(Rule.HEALTHCHECK, GOOD.replaceAll("(?s)HEALTHCHECK.*?exit 1\n", "")),
        Arguments.of(Rule.HEALTHCHECK, GOOD.replaceAll("(?s)HEALTHCHECK.*?exit 1\n", "HEALTHCHECK NONE\n")),
        Arguments.of(Rule.EXEC_FORM_ENTRYPOINT, GOOD.replaceAll("ENTRYPOINT .*", "ENTRYPOINT java -XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError -jar /app/app.jar")),
        Arguments.of(Rule.EXEC_FORM_ENTRYPOINT, GOOD + "CMD java -jar /app/app.jar\n"),
        Arguments.of(Rule.NO_REMOTE_ADD, GOOD.replace("USER 10001:10001", "ADD https://example.com/agent.jar /app/agent.jar\nUSER 10001:10001")),
        Arguments.of(Rule.NO_REMOTE_ADD, GOOD.replace("COPY --from=build", "ADD --from=build")),
        Arguments.of(Rule.NO_SECRETS_IN_ENV, GOOD.replace("USER 10001:10001", "ENV DB_PASSWORD=hunter2 LOG_LEVEL=info\nUSER 10001:10001")),
        Arguments.of(Rule.NO_SECRETS_IN_ENV, GOOD.replace("USER 10001:10001", "ENV LOG_LEVEL=info STORAGE_BUILDER_API_TOKENS=\"a b\"\nUSER 10001:10001")),
        Arguments.of(Rule.NO_SECRETS_IN_ENV, GOOD.replace("FROM eclipse-temurin:21.0.8_9-jre-noble", "FROM eclipse-temurin:21.0.8_9-jre-noble\nARG AWS_SECRET_ACCESS_KEY")),
        Arguments.of(Rule.CONTAINER_AWARE_MEMORY, GOOD.replace("-XX:MaxRAMPercentage=60", "-Xmx1g")),
        Arguments.of(Rule.CONTAINER_AWARE_MEMORY, GOOD.replace("\"-XX:+ExitOnOutOfMemoryError\", ", "")),
        Arguments.of(Rule.EXPOSE, GOOD.replace("EXPOSE 8081\n", "")),
        Arguments.of(Rule.MULTI_STAGE, GOOD.replaceAll("(?s)FROM eclipse-temurin:21.0.8_9-jdk-noble AS build.*?FROM ", "FROM ")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badDockerfiles")
  void theRulesCatchWhatTheyAreFor(Rule rule, String dockerfile) {
    assertThat(DockerfileLint.lint(dockerfile)).extracting(Violation::rule).contains(rule);
  }

  @Test
  void environmentThatIsNotSecretPasses() {
    String withEnvironment = GOOD.replace("USER 10001:10001", "ENV LOG_LEVEL=info JAVA_TOOL_OPTIONS=\"-Dfile.encoding=UTF-8\"\nARG VERSION\nUSER 10001:10001");
    assertThat(DockerfileLint.lint(withEnvironment)).isEmpty();
  }

  private static String dockerfile(String service) throws IOException {
    Path path = Repository.docker().resolve(service + ".Dockerfile");
    return Files.readString(path);
  }
}
