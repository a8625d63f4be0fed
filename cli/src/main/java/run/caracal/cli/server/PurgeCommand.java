package run.caracal.cli.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.server.home.CaracalHome;

/** `caracal purge`: removes the local state (database, keys, ledger, logs) after confirmation. */
@Command(name = "purge", mixinStandardHelpOptions = true,
    description = "Delete everything under $CARACAL_HOME (database, ledger, keys, admin token, logs, process records).")
public final class PurgeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--yes", description = "Do not ask for confirmation.")
  boolean yes;

  @Option(names = "--dry-run", description = "Only list what would be deleted.")
  boolean dryRun;

  @Override
  public Integer call() throws IOException {
    CaracalHome home = CaracalHome.fromEnvironment();
    var out = spec.commandLine().getOut();
    if (LocalServer.read(home).filter(LocalServer::processAlive).isPresent() || !home.processes().live().isEmpty()) {
      spec.commandLine().getErr().println("caracal purge: the server is running; stop it first with `caracal down`");
      return ExitCode.FINDINGS.code();
    }
    List<Path> targets = List.of(home.database(), home.keys(), home.logs(), home.adminTokenFile(), home.serverFile(), home.runDirectory());
    List<Path> existing = targets.stream().filter(Files::exists).toList();
    if (existing.isEmpty()) {
      out.println("nothing to purge in " + home.root());
      return ExitCode.OK.code();
    }
    out.println((dryRun ? "would delete:" : "will delete:"));
    existing.forEach(p -> out.println("  " + p));
    out.flush();
    if (dryRun) {
      return ExitCode.OK.code();
    }
    if (!yes) {
      out.print("this destroys the ledger and all keys; type `yes` to continue: ");
      out.flush();
      String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      if (answer == null || !answer.trim().equals("yes")) {
        out.println("nothing deleted");
        return ExitCode.FINDINGS.code();
      }
    }
    for (Path p : existing) {
      try (Stream<Path> walk = Files.walk(p)) {
        for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(q);
        }
      }
    }
    out.println("purged " + home.root());
    return ExitCode.OK.code();
  }
}
