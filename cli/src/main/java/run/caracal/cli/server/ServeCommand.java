package run.caracal.cli.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.UsageException;
import run.caracal.server.CaracalServer;
import run.caracal.server.ServerSettings;
import run.caracal.server.home.CaracalHome;

/** `caracal serve`: the foreground server process. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the Caracal server in the foreground (control plane + STS; embedded H2 unless --db is given).")
public final class ServeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--roles", split = ",", defaultValue = "control,sts,gateway", paramLabel = "ROLE",
      description = "Roles to run: control, sts, gateway (default: all).")
  List<String> roles;

  @Option(names = "--db", paramLabel = "JDBC-URL", description = "Database, e.g. jdbc:postgresql://127.0.0.1:5432/caracal (default: H2 under $CARACAL_HOME/db).")
  String db;

  @Option(names = "--db-user", paramLabel = "USER", description = "Database user (or CARACAL_DB_USER).")
  String dbUser;

  @Option(names = "--db-password-file", paramLabel = "FILE", description = "File holding the database password (or CARACAL_DB_PASSWORD).")
  Path dbPasswordFile;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--sts-port", defaultValue = "7070", description = "Control + STS port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int stsPort;

  @Option(names = "--gateway-port", defaultValue = "7080", description = "Gateway port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int gatewayPort;

  @Option(names = "--issuer", paramLabel = "URL", description = "Public STS URL used as token `iss` (default: http://HOST:PORT).")
  String issuer;

  @Override
  public Integer call() throws Exception {
    Set<String> roleSet = new LinkedHashSet<>(roles);
    for (String r : roleSet) {
      if (!ServerSettings.ALL_ROLES.contains(r)) {
        throw new UsageException("unknown role `" + r + "` (expected control, sts, gateway)");
      }
    }
    Optional<String> password = Optional.ofNullable(System.getenv("CARACAL_DB_PASSWORD"));
    if (dbPasswordFile != null) {
      password = Optional.of(Files.readString(dbPasswordFile).trim());
    }
    ServerSettings settings = new ServerSettings(CaracalHome.fromEnvironment(), Optional.ofNullable(db),
        Optional.ofNullable(dbUser != null ? dbUser : System.getenv("CARACAL_DB_USER")), password, host, stsPort, gatewayPort,
        Optional.ofNullable(issuer), roleSet);
    CaracalServer server;
    try {
      server = CaracalServer.start(settings);
    } catch (RuntimeException e) {
      spec.commandLine().getErr().println("caracal: cannot start: " + rootMessage(e));
      return ExitCode.FINDINGS.code();
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "caracal-shutdown"));
    spec.commandLine().getOut().println("caracal serving");
    if (settings.runs("control") || settings.runs("sts")) {
      spec.commandLine().getOut().println("  sts:    " + server.stsUrl());
      spec.commandLine().getOut().println("  admin:  " + server.stsUrl() + "/admin/v1");
    } else {
      server.gatewayUrl().ifPresent(u -> spec.commandLine().getOut().println("  gateway: " + u));
    }
    spec.commandLine().getOut().println("  home:   " + settings.home().root());
    spec.commandLine().getOut().flush();
    stopped.await();
    return ExitCode.OK.code();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? e.getMessage() : t.getMessage();
  }
}
