package dev.storagebuilder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The parsed Terraform of a directory tree, grouped into modules (one per directory with *.tf). */
final class TerraformConfig {
  private static TerraformConfig repository;

  private final Map<String, Module> modules;

  private TerraformConfig(Map<String, Module> modules) {
    this.modules = modules;
  }

  /** terraform/ of this repository, parsed once per test run. */
  static synchronized TerraformConfig repository() {
    if (repository == null) {
      repository = parse(Repository.terraform());
    }
    return repository;
  }

  static TerraformConfig parse(Path directory) {
    JsonNode files = Hcl.parseDirectory(directory);
    Map<String, Map<String, JsonNode>> byModule = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> file = it.next();
      int slash = file.getKey().lastIndexOf('/');
      String module = slash < 0 ? "." : file.getKey().substring(0, slash);
      String name = slash < 0 ? file.getKey() : file.getKey().substring(slash + 1);
      byModule.computeIfAbsent(module, m -> new TreeMap<>()).put(name, file.getValue());
    }
    Map<String, Module> modules = new LinkedHashMap<>();
    byModule.forEach((path, moduleFiles) -> modules.put(path, new Module(path, moduleFiles)));
    return new TerraformConfig(modules);
  }

  Map<String, Module> modules() {
    return modules;
  }

  Module module(String path) {
    Module module = modules.get(path);
    if (module == null) {
      throw new AssertionError("no Terraform module at terraform/" + path + "; found " + modules.keySet());
    }
    return module;
  }

  /** One directory of *.tf files; each accessor merges the blocks of all its files. */
  record Module(String path, Map<String, JsonNode> files) {
    Set<String> fileNames() {
      return new TreeSet<>(files.keySet());
    }

    Map<String, JsonNode> variables() {
      return namedBlocks("variable");
    }

    JsonNode variable(String name) {
      return required(variables(), "variable", name);
    }

    Map<String, JsonNode> outputs() {
      return namedBlocks("output");
    }

    Map<String, JsonNode> moduleCalls() {
      return namedBlocks("module");
    }

    JsonNode moduleCall(String name) {
      return required(moduleCalls(), "module", name);
    }

    Map<String, JsonNode> resources(String type) {
      return typedBlocks("resource", type);
    }

    JsonNode resource(String type, String name) {
      return required(resources(type), type, name);
    }

    Map<String, JsonNode> dataSources(String type) {
      return typedBlocks("data", type);
    }

    JsonNode dataSource(String type, String name) {
      return required(dataSources(type), "data." + type, name);
    }

    JsonNode local(String name) {
      for (JsonNode file : files.values()) {
        for (JsonNode locals : file.path("locals")) {
          if (locals.has(name)) {
            return locals.get(name);
          }
        }
      }
      throw new AssertionError("terraform/" + path + " has no local " + name);
    }

    List<JsonNode> terraformBlocks() {
      List<JsonNode> found = new ArrayList<>();
      files.values().forEach(file -> file.path("terraform").forEach(found::add));
      return found;
    }

    private Map<String, JsonNode> namedBlocks(String kind) {
      Map<String, JsonNode> found = new TreeMap<>();
      for (JsonNode file : files.values()) {
        file.path(kind).fields().forEachRemaining(named -> found.put(named.getKey(), named.getValue().get(0)));
      }
      return found;
    }

    private Map<String, JsonNode> typedBlocks(String kind, String type) {
      Map<String, JsonNode> found = new TreeMap<>();
      for (JsonNode file : files.values()) {
        file.path(kind).path(type).fields().forEachRemaining(named -> found.put(named.getKey(), named.getValue().get(0)));
      }
      return found;
    }

    private JsonNode required(Map<String, JsonNode> blocks, String kind, String name) {
      JsonNode block = blocks.get(name);
      if (block == null) {
        throw new AssertionError("terraform/" + path + " has no " + kind + " \"" + name + "\"; found " + blocks.keySet());
      }
      return block;
    }
  }
}
