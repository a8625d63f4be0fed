package run.caracal.cli.server;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.server.home.CaracalHome;
import run.caracal.server.home.HomeProcesses.Recorded;

/** `caracal down`: stops every process of the home cleanly (SIGTERM, then waits), the one `caracal up` started first. */
@Command(name = "down", mixinStandardHelpOptions = true,
    description = "Stop the Caracal server started with `caracal up` and every other `caracal serve` process of $CARACAL_HOME.")
public final class DownCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    CaracalHome home = CaracalHome.fromEnvironment();
    Set<Long> pids = new LinkedHashSet<>();
    Optional<LocalServer> server = LocalServer.read(home);
    server.filter(LocalServer::processAlive).ifPresent(s -> pids.add(s.pid()));
    List<Recorded> records = home.processes().records();
    records.stream().filter(Recorded::alive).forEach(r -> pids.add(r.process().pid()));
    if (pids.isEmpty()) {
      Files.deleteIfExists(home.serverFile());
      deleteStale(records);
      spec.commandLine().getOut().println("caracal is not running");
      return ExitCode.OK.code();
    }
    List<ProcessHandle> stopping = new ArrayList<>();
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(p -> {
        p.destroy();
        stopping.add(p);
      });
    }
    for (ProcessHandle process : stopping) {
      stop(process);
      spec.commandLine().getOut().println("caracal stopped (pid " + process.pid() + ")");
    }
    Files.deleteIfExists(home.serverFile());
    deleteStale(home.processes().records());
    return ExitCode.OK.code();
  }

  private void stop(ProcessHandle process) throws InterruptedException, ExecutionException {
    try {
      process.onExit().get(20, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      spec.commandLine().getErr().println("caracal down: the server did not stop in 20 s; killing it (pid " + process.pid() + ")");
      process.destroyForcibly();
      try {
        process.onExit().get(10, TimeUnit.SECONDS);
      } catch (TimeoutException again) {
        spec.commandLine().getErr().println("caracal down: pid " + process.pid() + " did not exit");
      }
    }
  }

  /** Records of processes that are gone (a killed process cannot remove its own). */
  private static void deleteStale(List<Recorded> records) throws IOException {
    for (Recorded r : records) {
      if (!r.alive()) {
        Files.deleteIfExists(r.file());
      }
    }
  }
}
