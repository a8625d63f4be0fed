package run.caracal.cli.server;

import java.nio.file.Files;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.server.home.CaracalHome;

/** `caracal down`: stops the background server cleanly (SIGTERM, then waits). */
@Command(name = "down", mixinStandardHelpOptions = true, description = "Stop the Caracal server started with `caracal up`.")
public final class DownCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    CaracalHome home = CaracalHome.fromEnvironment();
    Optional<LocalServer> server = LocalServer.read(home);
    if (server.isEmpty() || !server.get().processAlive()) {
      Files.deleteIfExists(home.serverFile());
      spec.commandLine().getOut().println("caracal is not running");
      return ExitCode.OK.code();
    }
    ProcessHandle process = ProcessHandle.of(server.get().pid()).orElseThrow();
    process.destroy();
    try {
      process.onExit().get(20, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      spec.commandLine().getErr().println("caracal down: the server did not stop in 20 s; killing it");
      process.destroyForcibly();
      process.onExit().get(10, TimeUnit.SECONDS);
    }
    Files.deleteIfExists(home.serverFile());
    spec.commandLine().getOut().println("caracal stopped (pid " + server.get().pid() + ")");
    return ExitCode.OK.code();
  }
}
