package dev.storagebuilder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hadolint rules worth having for these images, checked on the Dockerfile's text (no Docker engine
 * runs here). Each rule names the hadolint rule it mirrors where there is one.
 */
final class DockerfileLint {
  enum Rule {
    /** DL3006 / DL3007: every base image has an explicit version tag (not latest) or a digest. */
    PINNED_BASE_IMAGE,
    /** The runtime stage is a Temurin 21 JRE. */
    TEMURIN_21_JRE_RUNTIME,
    /** DL3002: the final USER is not root. */
    NON_ROOT_USER,
    /** The final stage declares a HEALTHCHECK. */
    HEALTHCHECK,
    /** DL3025 (ENTRYPOINT and CMD): exec form, so SIGTERM reaches the JVM, not a shell in front of it. */
    EXEC_FORM_ENTRYPOINT,
    /** DL3020: no ADD of URLs or plain files (COPY them; ADD only unpacks local archives). */
    NO_REMOTE_ADD,
    /** No secret-looking names in ENV or ARG (they end up in the image history). */
    NO_SECRETS_IN_ENV,
    /** Heap sized from the container's memory and an OutOfMemoryError ends the process; no fixed -Xmx. */
    CONTAINER_AWARE_MEMORY,
    /** The final stage EXPOSEs its port. */
    EXPOSE,
    /** More than one stage: the build stage's tools stay out of the runtime image. */
    MULTI_STAGE
  }

  record Violation(Rule rule, String detail) {}

  record Instruction(String keyword, String arguments) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|CREDENTIAL|PRIVATE_?KEY).*");
  private static final Pattern FROM = Pattern.compile("(?i)^(?:--platform=\\S+\\s+)?(\\S+)(?:\\s+AS\\s+(\\S+))?$");

  private DockerfileLint() {}

  static List<Instruction> parse(String dockerfile) {
    List<Instruction> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : dockerfile.split("\n", -1)) {
      String line = raw.strip();
      if (line.startsWith("#") || (line.isEmpty() && current.isEmpty())) {
        continue; // comments (also inside continuations) and blank lines
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      String text = current.toString().strip();
      current.setLength(0);
      if (text.isEmpty()) {
        continue;
      }
      String[] parts = text.split("\\s+", 2);
      instructions.add(new Instruction(parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1].strip() : ""));
    }
    return instructions;
  }

  static List<Violation> lint(String dockerfile) {
    List<Instruction> instructions = parse(dockerfile);
    List<Violation> violations = new ArrayList<>();

    // Stages: the instructions after the last FROM form the runtime image.
    Set<String> stageNames = new HashSet<>();
    int stages = 0;
    String runtimeBase = null;
    int runtimeStart = 0;
    for (int i = 0; i < instructions.size(); i++) {
      Instruction instruction = instructions.get(i);
      if (!instruction.keyword().equals("FROM")) {
        continue;
      }
      stages++;
      runtimeStart = i;
      Matcher from = FROM.matcher(instruction.arguments());
      if (!from.matches()) {
        violations.add(new Violation(Rule.PINNED_BASE_IMAGE, "unreadable FROM " + instruction.arguments()));
        continue;
      }
      String image = from.group(1);
      runtimeBase = image;
      if (!stageNames.contains(image.toLowerCase(Locale.ROOT)) && !image.equals("scratch") && !isPinned(image)) {
        violations.add(new Violation(Rule.PINNED_BASE_IMAGE, image));
      }
      if (from.group(2) != null) {
        stageNames.add(from.group(2).toLowerCase(Locale.ROOT));
      }
    }
    if (stages < 2) {
      violations.add(new Violation(Rule.MULTI_STAGE, stages + " stage(s)"));
    }
    if (runtimeBase == null || !runtimeBase.matches("eclipse-temurin:21(\\.[0-9._]+)?-jre(-[a-z0-9.-]+)?(@sha256:[a-f0-9]{64})?")) {
      violations.add(new Violation(Rule.TEMURIN_21_JRE_RUNTIME, String.valueOf(runtimeBase)));
    }
    List<Instruction> runtime = instructions.subList(runtimeStart, instructions.size());

    String user = null;
    for (Instruction instruction : runtime) {
      if (instruction.keyword().equals("USER")) {
        user = instruction.arguments().split(":", 2)[0];
      }
    }
    if (user == null || user.equals("root") || user.equals("0")) {
      violations.add(new Violation(Rule.NON_ROOT_USER, user == null ? "no USER in the runtime stage" : "USER " + user));
    }

    boolean healthcheck = runtime.stream().anyMatch(i -> i.keyword().equals("HEALTHCHECK") && i.arguments().matches("(?s).*\\bCMD\\s+\\S.*"));
    if (!healthcheck) {
      violations.add(new Violation(Rule.HEALTHCHECK, "no HEALTHCHECK ... CMD in the runtime stage"));
    }

    List<String> entrypoint = null;
    for (Instruction instruction : runtime) {
      if (instruction.keyword().equals("ENTRYPOINT") || instruction.keyword().equals("CMD")) {
        List<String> exec = execForm(instruction.arguments());
        if (exec == null) {
          violations.add(new Violation(Rule.EXEC_FORM_ENTRYPOINT, instruction.keyword() + " " + instruction.arguments()));
        } else if (instruction.keyword().equals("ENTRYPOINT")) {
          entrypoint = exec;
        }
      }
    }
    if (entrypoint == null) {
      violations.add(new Violation(Rule.EXEC_FORM_ENTRYPOINT, "no exec-form ENTRYPOINT in the runtime stage"));
    } else if (!entrypoint.contains("-XX:+ExitOnOutOfMemoryError")
        || entrypoint.stream().noneMatch(a -> a.startsWith("-XX:MaxRAMPercentage="))
        || entrypoint.stream().anyMatch(a -> a.startsWith("-Xmx"))) {
      violations.add(new Violation(Rule.CONTAINER_AWARE_MEMORY, String.join(" ", entrypoint)));
    }

    for (Instruction instruction : instructions) {
      switch (instruction.keyword()) {
        case "ADD" -> {
          List<String> sources = sources(instruction.arguments());
          for (String source : sources) {
            if (source.matches("(?i)^(https?|ftp|git)://.*|^git@.*") || !source.matches("(?i).*\\.(tar|tar\\.gz|tgz|tar\\.bz2|tar\\.xz)$")) {
              violations.add(new Violation(Rule.NO_REMOTE_ADD, "ADD " + instruction.arguments()));
            }
          }
        }
        case "ENV", "ARG" -> {
          for (String name : declaredNames(instruction.keyword(), instruction.arguments())) {
            if (SECRET_NAME.matcher(name).matches()) {
              violations.add(new Violation(Rule.NO_SECRETS_IN_ENV, instruction.keyword() + " " + name));
            }
          }
        }
        default -> {}
      }
    }

    if (runtime.stream().noneMatch(i -> i.keyword().equals("EXPOSE"))) {
      violations.add(new Violation(Rule.EXPOSE, "no EXPOSE in the runtime stage"));
    }
    return violations;
  }

  /** The instruction's arguments as an exec-form JSON array of strings, or null for shell form. */
  static List<String> execForm(String arguments) {
    if (!arguments.startsWith("[")) {
      return null;
    }
    try {
      JsonNode array = JSON.readTree(arguments);
      if (!array.isArray() || array.isEmpty()) {
        return null;
      }
      List<String> values = new ArrayList<>();
      for (JsonNode element : array) {
        if (!element.isTextual()) {
          return null;
        }
        values.add(element.asText());
      }
      return values;
    } catch (IOException e) {
      return null;
    }
  }

  /** The arguments of the last instruction with this keyword, or "". */
  static String instructionArguments(String dockerfile, String keyword) {
    return parse(dockerfile).stream()
        .filter(i -> i.keyword().equals(keyword))
        .reduce((first, second) -> second)
        .map(Instruction::arguments)
        .orElse("");
  }

  private static boolean isPinned(String image) {
    if (image.contains("@sha256:")) {
      return true;
    }
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    if (colon <= slash) {
      return false; // no tag: Docker pulls latest
    }
    String tag = image.substring(colon + 1);
    return !tag.equalsIgnoreCase("latest") && tag.matches(".*[0-9].*") && !tag.contains("$");
  }

  private static List<String> sources(String arguments) {
    List<String> exec = execForm(arguments);
    List<String> words = new ArrayList<>(exec != null ? exec : List.of(arguments.split("\\s+")));
    words.removeIf(word -> word.startsWith("--"));
    return words.size() > 1 ? words.subList(0, words.size() - 1) : List.of();
  }

  private static List<String> declaredNames(String keyword, String arguments) {
    List<String> names = new ArrayList<>();
    if (keyword.equals("ENV") && !arguments.contains("=")) {
      names.add(arguments.split("\\s+", 2)[0]); // legacy form: ENV NAME value
      return names;
    }
    Matcher assignment = Pattern.compile("(?:^|\\s)([A-Za-z_][A-Za-z0-9_]*)(?==|\\s|$)").matcher(arguments.replaceAll("\"[^\"]*\"|'[^']*'", "\"\""));
    while (assignment.find()) {
      names.add(assignment.group(1));
    }
    return names;
  }
}
