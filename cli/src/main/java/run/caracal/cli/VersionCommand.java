package run.caracal.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `caracal version`. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the Caracal version.")
final class VersionCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().println("caracal " + Caracal.version() + " (java " + Runtime.version() + ")");
    return ExitCode.OK.code();
  }
}
