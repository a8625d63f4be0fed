package run.caracal.cli.server;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.server.home.CaracalHome;

/** `caracal up`: starts `caracal serve` in the background and waits until it is ready. */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = "Start Caracal in the background (embedded H2 under $CARACAL_HOME unless --db), wait until ready.")
public final class UpCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--sts-port", defaultValue = "7070", description = "Control + STS port (default: ${DEFAULT-VALUE}; 0 = any free port).")
  int stsPort;

  @Option(names = "--gateway-port", defaultValue = "7080", description = "Gateway port (default: ${DEFAULT-VALUE}; 0 = any free port).")
  int gatewayPort;

  @Option(names = "--db", paramLabel = "JDBC-URL", description = "Use this database instead of the embedded H2.")
  String db;

  @Option(names = "--timeout", defaultValue = "60", description = "Seconds to wait for readiness (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CaracalHome home = CaracalHome.fromEnvironment();
    home.ensure();
    Optional<LocalServer> running = LocalServer.read(home).filter(LocalServer::processAlive);
    if (running.isPresent() && running.get().get("/health").isPresent()) {
      out.println("caracal is already running (pid " + running.get().pid() + ")");
      print(out, running.get(), home);
      return ExitCode.OK.code();
    }
    Files.deleteIfExists(home.serverFile());
    Path log = home.logs().resolve("server.log");
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    String opts = System.getenv("CARACAL_JAVA_OPTS");
    if (opts != null && !opts.isBlank()) {
      cmd.addAll(List.of(opts.trim().split("\\s+")));
    }
    cmd.addAll(List.of("-jar", jarPath(), "serve", "--sts-port", String.valueOf(stsPort), "--gateway-port", String.valueOf(gatewayPort)));
    if (db != null) {
      cmd.addAll(List.of("--db", db));
    }
    Process process = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
    long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        err.println("caracal up: the server exited with code " + process.exitValue() + "; last log lines (" + log + "):");
        tail(log, 15).forEach(l -> err.println("  " + l));
        return ExitCode.FINDINGS.code();
      }
      Optional<LocalServer> started = LocalServer.read(home).filter(s -> s.pid() == process.pid());
      if (started.isPresent() && started.get().ready()) {
        out.println("caracal is up (pid " + process.pid() + ")");
        print(out, started.get(), home);
        return ExitCode.OK.code();
      }
      Thread.sleep(100);
    }
    err.println("caracal up: not ready after " + timeoutSeconds + " s; see " + log + " and `caracal status`");
    return ExitCode.FINDINGS.code();
  }

  static void print(PrintWriter out, LocalServer s, CaracalHome home) {
    out.println("  sts:      " + s.stsUrl());
    out.println("  gateway:  " + s.gatewayUrl().orElse("(not running)"));
    out.println("  admin:    " + s.stsUrl() + "/admin/v1  (token in " + home.adminTokenFile() + ")");
    out.println("  logs:     " + home.logs().resolve("server.log"));
    out.flush();
  }

  static String jarPath() {
    try {
      return Path.of(UpCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the caracal jar", e);
    }
  }

  private static List<String> tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return all.subList(Math.max(0, all.size() - lines), all.size());
    } catch (IOException e) {
      return List.of();
    }
  }
}
