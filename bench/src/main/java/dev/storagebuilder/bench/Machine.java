package dev.storagebuilder.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the figures were measured on: they only mean something next to the machine. */
record Machine(String cpuModel, int cores, long memoryMb, String javaVersion, String os) {

  static Machine current() {
    return new Machine(
        readCpuModel(),
        Runtime.getRuntime().availableProcessors(),
        readMemoryMb(),
        System.getProperty("java.vendor") + " " + Runtime.version(),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
  }

  Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("cpu", cpuModel);
    map.put("cores", cores);
    map.put("memoryMb", memoryMb);
    map.put("java", javaVersion);
    map.put("os", os);
    return map;
  }

  private static String readCpuModel() {
    return procLine("/proc/cpuinfo", "model name").orElse(System.getProperty("os.arch"));
  }

  private static long readMemoryMb() {
    return procLine("/proc/meminfo", "MemTotal")
        .map(v -> Long.parseLong(v.replaceAll("[^0-9]", "")) / 1024)
        .orElse(-1L);
  }

  private static java.util.Optional<String> procLine(String file, String key) {
    try {
      return Files.readAllLines(Path.of(file)).stream()
          .filter(line -> line.startsWith(key))
          .map(line -> line.substring(line.indexOf(':') + 1).trim())
          .findFirst();
    } catch (IOException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }
}
