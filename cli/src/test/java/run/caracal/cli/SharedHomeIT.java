package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.cli.CaracalProcess.Result;

/**
 * Several `caracal serve` processes of the built jar on one host and one `$CARACAL_HOME`, over the
 * local PostgreSQL: a gateway started before the control process, the control + STS process, then
 * two more gateways. The CLI keeps finding the control process whatever starts or stops, `caracal
 * status` lists every live process, and `--server` / `CARACAL_SERVER_URL` override the home.
 */
class SharedHomeIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String DB = "caracal_shared_home_" + Long.toHexString(System.nanoTime());
  static final String PG = "jdbc:postgresql://127.0.0.1:5432/";

  @TempDir static Path dir;
  static Path home;
  static final List<Process> processes = new ArrayList<>();

  @BeforeAll
  static void createDatabase() throws Exception {
    try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "")) {
      c.createStatement().execute("create database " + DB);
    }
    home = dir.resolve("home");
  }

  @AfterAll
  static void stop() throws Exception {
    for (Process p : processes) {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "")) {
      c.createStatement().execute("drop database if exists " + DB + " with (force)");
    }
  }

  /** Starts `caracal serve ARGS` on the shared home and waits for its own record in `run/PID.json`. */
  static Process serve(String name, String... args) throws Exception {
    Path masterKey = dir.resolve("master.key");
    if (!Files.exists(masterKey)) {
      Files.writeString(masterKey, Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'k') + "\n");
      Files.setPosixFilePermissions(masterKey, PosixFilePermissions.fromString("rw-------"));
    }
    List<String> cmd = new ArrayList<>(List.of(ServeProcess.java(), "-jar", CaracalProcess.jar().toString(), "serve",
        "--db", PG + DB, "--db-user", "postgres", "--gateway-port", "0"));
    cmd.addAll(List.of(args));
    if (!cmd.contains("--sts-port")) {
      cmd.addAll(List.of("--sts-port", "0"));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
    pb.environment().put("CARACAL_HOME", home.toString());
    pb.environment().put("CARACAL_MASTER_KEY_FILE", masterKey.toString());
    Process p = pb.start();
    processes.add(p);
    Path record = home.resolve("run/" + p.pid() + ".json");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline && p.isAlive()) {
      if (Files.exists(record)) {
        return p;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(name + " did not start: " + Files.readString(dir.resolve(name + ".log")));
  }

  static Result caracal(String... args) throws Exception {
    return CaracalProcess.runAt(home, dir, args);
  }

  static long serverJsonPid() throws Exception {
    return JSON.readTree(Files.readString(home.resolve("server.json"))).path("pid").asLong();
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void sharedHome_controlAndGatewaysInAnyOrder_cliFindsTheControlProcess() throws Exception {
    int stsPort = freePort();
    String sts = "http://127.0.0.1:" + stsPort;
    Process early = serve("gw0", "--roles", "gateway", "--issuer", sts);
    Process control = serve("control", "--roles", "control,sts", "--sts-port", String.valueOf(stsPort));
    assertEquals(control.pid(), serverJsonPid(), "the control process writes server.json");
    Process gw1 = serve("gw1", "--roles", "gateway", "--issuer", sts);
    Process gw2 = serve("gw2", "--roles", "gateway", "--issuer", sts);
    assertEquals(control.pid(), serverJsonPid(), "gateways started after the control process leave server.json alone");

    Result status = caracal("status", "--ready");
    assertEquals(0, status.exit(), status.toString());
    assertTrue(status.out().startsWith("caracal (pid " + control.pid() + ") ready"), status.toString());
    for (Process p : List.of(early, control, gw1, gw2)) {
      assertTrue(status.out().contains("pid " + p.pid() + " "), "status lists pid " + p.pid() + ":\n" + status);
    }
    assertTrue(status.out().contains("control,sts") && status.out().contains(sts), status.toString());
    JsonNode statusJson = JSON.readTree(caracal("status", "--json").out());
    assertEquals(4, statusJson.path("processes").size(), statusJson.toString());

    Result created = caracal("zone", "create", "prod");
    assertEquals(0, created.exit(), created.toString());
    Result setup = caracal("setup", "--zone", "prod", "--app", "agent", "--resource-id", "resource://items-api",
        "--scopes", "items:read", "--upstream", "http://127.0.0.1:9", "--profile", dir.resolve("p/caracal.toml").toString(),
        "--secret-file", dir.resolve("p/agent.secret").toString(), "--yes", "--json");
    assertEquals(0, setup.exit(), setup.toString());
    String profile = Files.readString(dir.resolve("p/caracal.toml"));
    assertTrue(profile.contains("sts_url = \"" + sts + "\""), profile);
    Set<String> gateways = Set.of(gatewayUrl(early), gatewayUrl(gw1), gatewayUrl(gw2));
    assertTrue(gateways.contains(JSON.readTree(setup.out()).path("gateway_url").asText()), setup.out() + " not in " + gateways);

    // a gateway stops cleanly and removes its record; the one started first is killed and leaves a stale one
    gw1.destroy();
    assertTrue(gw1.waitFor(30, TimeUnit.SECONDS));
    assertFalse(Files.exists(home.resolve("run/" + gw1.pid() + ".json")), "a clean stop removes the record");
    early.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    assertEquals(control.pid(), serverJsonPid());

    Result list = caracal("zone", "list");
    assertEquals(0, list.exit(), list.toString());
    assertTrue(list.out().contains("prod"), list.toString());
    Result after = caracal("status");
    assertEquals(0, after.exit(), after.toString());
    assertTrue(after.out().contains("pid " + gw2.pid() + " "), after.toString());
    assertFalse(after.out().contains("pid " + gw1.pid() + " "), after.toString());
    assertTrue(after.out().contains("ignored stale record " + home.resolve("run/" + early.pid() + ".json")), after.toString());

    // the control process stops: the CLI says so and lists the gateway left; a new control process is found
    control.destroy();
    assertTrue(control.waitFor(30, TimeUnit.SECONDS));
    Result noControl = caracal("status");
    assertEquals(1, noControl.exit(), noControl.toString());
    assertTrue(noControl.out().contains("no control process is running in " + home), noControl.toString());
    assertTrue(noControl.out().contains("pid " + gw2.pid() + " "), noControl.toString());
    Process control2 = serve("control2", "--roles", "control,sts", "--sts-port", String.valueOf(stsPort));
    assertEquals(control2.pid(), serverJsonPid());
    Result again = caracal("zone", "list");
    assertEquals(0, again.exit(), again.toString());
    assertTrue(again.out().contains("prod"), again.toString());

    // an explicit server wins over the home: the error names the URL given
    String nowhere = "http://127.0.0.1:" + freePort();
    Result env = CaracalProcess.runAt(home, Map.of("CARACAL_SERVER_URL", nowhere), dir, "zone", "list");
    assertEquals(1, env.exit(), env.toString());
    assertTrue(env.err().contains("cannot reach the Caracal server at " + nowhere), env.toString());
    Result option = caracal("zone", "list", "--server", nowhere);
    assertEquals(1, option.exit(), option.toString());
    assertTrue(option.err().contains("cannot reach the Caracal server at " + nowhere), option.toString());
    Result explicitGood = CaracalProcess.runAt(home, Map.of("CARACAL_SERVER_URL", nowhere), dir, "zone", "list", "--server", sts);
    assertEquals(0, explicitGood.exit(), "--server wins over CARACAL_SERVER_URL: " + explicitGood);

    // `caracal down` stops every process of the home
    Result down = caracal("down");
    assertEquals(0, down.exit(), down.toString());
    assertTrue(down.out().contains("caracal stopped (pid " + control2.pid() + ")"), down.toString());
    assertTrue(down.out().contains("caracal stopped (pid " + gw2.pid() + ")"), down.toString());
    assertTrue(control2.waitFor(10, TimeUnit.SECONDS) && gw2.waitFor(10, TimeUnit.SECONDS), "down stops every process of the home");
    Result stopped = caracal("status");
    assertEquals(1, stopped.exit(), stopped.toString());
    assertTrue(stopped.out().contains("caracal is not running"), stopped.toString());
  }

  private static String gatewayUrl(Process p) throws Exception {
    return JSON.readTree(Files.readString(home.resolve("run/" + p.pid() + ".json"))).path("gateway_url").asText();
  }
}
