package run.caracal.server.home;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which process of a shared home `server.json` names and the CLI talks to, as processes start and stop in any order. */
final class HomeProcessesTest {
  @TempDir Path dir;
  private final List<Process> sleepers = new ArrayList<>();

  @AfterEach
  void stopSleepers() throws InterruptedException {
    for (Process p : sleepers) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** A live pid that is not this JVM's, standing in for one `caracal serve` process. */
  private long livePid() throws Exception {
    Process p = new ProcessBuilder("sleep", "60").start();
    sleepers.add(p);
    return p.pid();
  }

  private static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor(10, TimeUnit.SECONDS);
    return p.pid();
  }

  private static ProcessRecord record(long pid, String roles, int port) {
    boolean admin = roles.contains("control") || roles.contains("sts");
    String url = "http://127.0.0.1:" + port;
    return new ProcessRecord(pid, List.of(roles.split(",")), "http://127.0.0.1:7070", admin ? Optional.of(url) : Optional.empty(),
        roles.contains("gateway") ? Optional.of(url) : Optional.empty(), "h2", Optional.of(Instant.now()));
  }

  @Test
  void join_gatewaysAfterControl_serverJsonKeepsNamingControl() throws Exception {
    HomeProcesses processes = new CaracalHome(dir).processes();
    long control = livePid();
    processes.join(record(control, "control,sts", 7070));
    processes.join(record(livePid(), "gateway", 7081));
    processes.join(record(livePid(), "gateway", 7082));

    assertEquals(control, processes.serverFile().orElseThrow().pid());
    assertEquals(control, processes.admin().orElseThrow().pid());
    assertEquals(3, processes.live().size());
  }

  @Test
  void join_gatewayBeforeControl_controlTakesOverServerJson() throws Exception {
    HomeProcesses processes = new CaracalHome(dir).processes();
    long gateway = livePid();
    processes.join(record(gateway, "gateway", 7081));
    assertEquals(gateway, processes.serverFile().orElseThrow().pid(), "the only process writes server.json");
    long control = livePid();
    processes.join(record(control, "control,sts", 7070));

    assertEquals(control, processes.serverFile().orElseThrow().pid());
    assertEquals("http://127.0.0.1:7070", processes.admin().orElseThrow().adminBaseUrl());
    assertEquals(Optional.of("http://127.0.0.1:7081"), processes.gatewayUrl(), "the control process has no gateway: the live one");
  }

  @Test
  void admin_controlKilled_anotherLiveControlIsFoundAndStaleRecordSkipped() throws Exception {
    HomeProcesses processes = new CaracalHome(dir).processes();
    long dead = deadPid();
    processes.join(record(dead, "control,sts", 7070));
    long second = livePid();
    processes.join(record(second, "control,sts", 7071));
    processes.join(record(dead, "control,sts", 7070)); // server.json names the killed one

    assertEquals(second, processes.admin().orElseThrow().pid());
    assertEquals(1, processes.records().stream().filter(r -> !r.alive()).count());
  }

  @Test
  void leave_namedProcessStops_serverJsonPointsAtAnotherControlAndRecordIsRemoved() throws Exception {
    CaracalHome home = new CaracalHome(dir);
    HomeProcesses processes = home.processes();
    long first = livePid();
    long second = livePid();
    processes.join(record(second, "control,sts", 7071));
    processes.join(record(first, "control,sts", 7070));

    processes.leave(first);

    assertFalse(Files.exists(home.processFile(first)));
    assertEquals(second, processes.serverFile().orElseThrow().pid());
  }

  @Test
  void admin_noRunRecords_fallsBackToServerJson() throws Exception {
    CaracalHome home = new CaracalHome(dir);
    home.writePrivate(home.serverFile(), record(deadPid(), "control,sts,gateway", 7070).toMap());

    assertEquals("http://127.0.0.1:7070", home.processes().admin().orElseThrow().adminBaseUrl());
  }

  @Test
  void alive_pidReusedByAProcessStartedAfterTheRecord_isNotAlive() throws Exception {
    long pid = livePid();
    ProcessRecord old = new ProcessRecord(pid, List.of("gateway"), "http://127.0.0.1:7070", Optional.empty(), Optional.empty(), "h2",
        Optional.of(Instant.now().minusSeconds(3600)));

    assertFalse(old.alive());
    assertTrue(record(pid, "gateway", 7081).alive());
  }
}
