package run.caracal.ledger.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;
import run.caracal.ledger.journal.JournalSettings;
import run.caracal.ledger.support.CrashAppender;
import run.caracal.ledger.support.DbKind;
import run.caracal.ledger.support.TestDatabase;
import run.caracal.ledger.verify.VerificationReport;

/**
 * A separate JVM appends under load and is killed with SIGKILL; every event it saw
 * acknowledged must be in the database afterwards, and the ledger must verify.
 */
class CrashDurabilityTest {
  private static final int ACKS_BEFORE_KILL = 3_000;

  @TempDir Path tmp;

  static Stream<Arguments> cases() {
    return Stream.of(DbKind.values()).flatMap(kind -> Stream.of(Arguments.of(kind, false), Arguments.of(kind, true)));
  }

  /**
   * With a journal, the acknowledged events are in the journal when the process dies and in the
   * database once the ledger is opened again (recovery).
   */
  @ParameterizedTest(name = "{0}, journal {1}")
  @MethodSource("cases")
  void append_processKilled_everyAcknowledgedEventSurvives(DbKind kind, boolean journaled) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    try (Ledger ledger = db.open()) {
      ledger.verify(); // migrate before the child starts
    }
    Path journal = tmp.resolve("journal");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        CrashAppender.class.getName(), db.url(), db.user(), db.keyDir().toString()));
    if (journaled) {
      command.add(journal.toString());
    }
    Process child = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    Set<String> acked = new HashSet<>();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("ack ")) {
          acked.add(line.substring(4));
          if (acked.size() == ACKS_BEFORE_KILL) {
            child.destroyForcibly(); // SIGKILL: no shutdown hooks, no close
            break;
          }
        }
      }
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      assertEquals(137, child.exitValue(), "killed by SIGKILL");
    } catch (java.io.IOException streamClosedByKill) {
      // destroyForcibly closes our end of the pipe; the acks read so far are the ones we know
    }
    assertTrue(acked.size() >= ACKS_BEFORE_KILL);
    Set<String> stored = new HashSet<>();
    LedgerConfig reopen = journaled ? db.config().withJournal(JournalSettings.in(journal, false)) : db.config();
    try (Ledger ledger = Ledger.open(reopen)) {
      VerificationReport report = ledger.verify();
      assertTrue(report.ok(), report.summary());
      try (Connection c = db.connect();
          ResultSet rs = c.createStatement().executeQuery("SELECT event_id FROM ledger_event")) {
        while (rs.next()) {
          stored.add(rs.getString(1));
        }
      }
      assertEquals(report.events(), stored.size());
    }
    Set<String> lost = new HashSet<>(acked);
    lost.removeAll(stored);
    assertTrue(lost.isEmpty(), lost.size() + " acknowledged events lost, e.g. "
        + lost.stream().limit(5).toList());
    if (journaled) {
      try (Stream<Path> left = Files.list(journal)) {
        assertEquals(List.of(), left.toList(), "recovered journal files are deleted");
      }
    }
  }
}
