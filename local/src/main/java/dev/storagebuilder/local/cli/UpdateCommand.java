package dev.storagebuilder.local.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.storagebuilder.common.json.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "update",
    mixinStandardHelpOptions = true,
    description = "Starts a run over one client (every target, or one with --target).")
final class UpdateCommand implements Callable<Integer> {
  @Mixin ApiOptions api;
  @Spec CommandSpec spec;

  @Option(names = "--client", required = true, description = "client id")
  String client;

  @Option(names = "--target", description = "one target kind (default: every target)")
  String target;

  @Mixin RunStartOptions run;

  @Override
  public Integer call() {
    ObjectNode scope = Json.mapper().createObjectNode();
    if (target == null) {
      scope.putArray("clients").add(client);
    } else {
      scope.putArray("targets").addObject().put("clientId", client).put("target", target);
    }
    return run.start(spec, api, scope);
  }
}
