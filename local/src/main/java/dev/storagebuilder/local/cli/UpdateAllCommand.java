package dev.storagebuilder.local.cli;

import com.fasterxml.jackson.databind.node.TextNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "update-all",
    mixinStandardHelpOptions = true,
    description = "Starts a run over every client and target; --wait follows it to the end.")
final class UpdateAllCommand implements Callable<Integer> {
  @Mixin ApiOptions api;
  @Spec CommandSpec spec;

  @Mixin RunStartOptions run;

  @Override
  public Integer call() {
    return run.start(spec, api, TextNode.valueOf("all"));
  }
}
