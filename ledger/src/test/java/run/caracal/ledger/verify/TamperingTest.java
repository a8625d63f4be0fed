package run.caracal.ledger.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.chain.EventHashing;
import run.caracal.ledger.chain.RegistryHead;
import run.caracal.ledger.checkpoint.Checkpoint;
import run.caracal.ledger.checkpoint.SigningKey;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.support.DbKind;
import run.caracal.ledger.support.Events;
import run.caracal.ledger.support.TestDatabase;

/** Direct SQL edits of a closed ledger; each must be found and located. */
class TamperingTest {
  @TempDir Path tmp;

  private TestDatabase db;
  private String chain;

  private void ledgerWith30Events(DbKind kind) throws Exception {
    db = TestDatabase.create(kind, tmp);
    try (Ledger ledger = db.open()) {
      for (int i = 1; i <= 30; i++) { // one by one: a checkpoint every 10 events
        chain = ledger.append(Events.decision(i)).join().chainId();
      }
    }
  }

  private Finding onlyFinding() {
    try (Ledger ledger = db.open()) {
      VerificationReport report = ledger.verify();
      assertFalse(report.ok(), "tampering not detected: " + report.summary() + " " + db.url());
      return report.firstFinding().orElseThrow();
    }
  }

  private void assertFinding(Finding f, FindingKind kind, long seq) {
    assertEquals(kind, f.kind(), f.toString());
    assertEquals(chain, f.chainId(), f.toString());
    assertEquals(seq, f.seq(), f.toString());
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_fieldEdited_contentChangedAtThatEvent(DbKind kind) throws Exception {
    ledgerWith30Events(kind);
    db.sql("UPDATE ledger_event SET decision = 'allow' WHERE seq = 12");
    assertFinding(onlyFinding(), FindingKind.CONTENT_CHANGED, 12);
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_explanationEdited_contentChanged(DbKind kind) throws Exception {
    ledgerWith30Events(kind);
    db.sql("UPDATE ledger_event SET explanation = '{}' WHERE seq = 3");
    assertFinding(onlyFinding(), FindingKind.CONTENT_CHANGED, 3);
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_rowDeleted_eventMissingAtNextEvent(DbKind kind) throws Exception {
    ledgerWith30Events(kind);
    db.sql("DELETE FROM ledger_event WHERE seq = 7");
    Finding f = onlyFinding();
    assertFinding(f, FindingKind.EVENT_MISSING, 8);
    assertTrue(f.message().contains("7..7"), f.message());
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_twoRowsSwapped_orderChanged(DbKind kind) throws Exception {
    ledgerWith30Events(kind);
    db.sql("UPDATE ledger_event SET seq = -1 WHERE seq = 5",
        "UPDATE ledger_event SET seq = 5 WHERE seq = 9",
        "UPDATE ledger_event SET seq = 9 WHERE seq = -1");
    Finding f = onlyFinding();
    assertFinding(f, FindingKind.ORDER_CHANGED, 5);
    assertTrue(f.message().contains("recorded at sequence 9"), f.message());
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_tailTruncated_caughtByLastCheckpoint(DbKind kind) throws Exception {
    ledgerWith30Events(kind);
    db.sql("DELETE FROM ledger_event WHERE seq > 24");
    Finding f = onlyFinding();
    assertFinding(f, FindingKind.TAIL_TRUNCATED, 25);
    assertTrue(f.message().contains("signed sequence 30"), f.message());
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_chainRewrittenWithValidHashes_checkpointMismatch(DbKind kind) throws Exception {
    ledgerWith30Events(kind);
    List<AppendedEvent> events;
    try (Ledger ledger = db.open()) {
      events = ledger.list(run.caracal.ledger.query.EventFilter.all(),
          run.caracal.ledger.query.PageRequest.first(100)).events();
    }
    // the attacker flips event 16 from deny to allow and re-hashes it and every later event
    try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
        "UPDATE ledger_event SET decision = ?, prev_hash = ?, hash = ? WHERE seq = ?")) {
      String prev = events.get(14).hash();
      for (AppendedEvent e : events.subList(15, 30)) {
        var ev = e.seq() == 16
            ? new run.caracal.ledger.event.LedgerEvent(e.event().id(), e.event().type(),
                Decision.ALLOW, e.event().occurredAt(), e.event().requestId(),
                e.event().traceId(), e.event().sessionId(), e.event().tokenFingerprint(),
                e.event().zone(), e.event().app(), e.event().resource(), e.event().actor(),
                e.event().explanation())
            : e.event();
        String hash = EventHashing.hash(ev, chain, e.seq(), prev);
        ps.setString(1, ev.decision().wire());
        ps.setString(2, prev);
        ps.setString(3, hash);
        ps.setLong(4, e.seq());
        ps.executeUpdate();
        prev = hash;
      }
    }
    assertFinding(onlyFinding(), FindingKind.CHECKPOINT_MISMATCH, 20);
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_checkpointEdited_signatureInvalid(DbKind kind) throws Exception {
    ledgerWith30Events(kind);
    db.sql("UPDATE ledger_checkpoint SET seq = 31 WHERE seq = 30");
    assertFinding(onlyFinding(), FindingKind.CHECKPOINT_SIGNATURE_INVALID, 31);
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_checkpointForgedWithOtherKey_keyUnknown(DbKind kind) throws Exception {
    ledgerWith30Events(kind);
    SigningKey attacker = SigningKey.loadOrCreate(tmp.resolve("attacker"));
    Checkpoint forged = attacker.sign(chain, 40, "ab".repeat(32), Instant.now(),
        new RegistryHead(1, "cd".repeat(32)));
    try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
        "INSERT INTO ledger_checkpoint VALUES (?, ?, ?, CURRENT_TIMESTAMP, ?, ?, ?, ?)")) {
      ps.setString(1, chain);
      ps.setLong(2, 40);
      ps.setString(3, forged.hash());
      ps.setLong(4, 1);
      ps.setString(5, forged.registryHash());
      ps.setString(6, forged.keyId());
      ps.setString(7, forged.signature());
      ps.executeUpdate();
    }
    assertFinding(onlyFinding(), FindingKind.CHECKPOINT_KEY_UNKNOWN, 40);
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_wholeChainDeleted_chainMissing(DbKind kind) throws Exception {
    ledgerWith30Events(kind);
    String deleted = chain;
    try (Ledger ledger = db.open()) { // a later process start: its checkpoints cover chain 1
      Events.appendAll(ledger, 31, 35);
    }
    db.sql("DELETE FROM ledger_event WHERE chain_id = '" + deleted + "'",
        "DELETE FROM ledger_checkpoint WHERE chain_id = '" + deleted + "'",
        "DELETE FROM ledger_chain WHERE chain_id = '" + deleted + "'");
    Finding f = onlyFinding();
    assertEquals(FindingKind.CHAIN_MISSING, f.kind(), f.toString());
    assertTrue(f.message().contains("1..1"), f.message());
    try (Connection c = db.connect(); ResultSet rs = c.createStatement()
        .executeQuery("SELECT COUNT(*) FROM ledger_chain")) {
      rs.next();
      assertEquals(1, rs.getLong(1));
    }
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_registryRowDeletedOnly_chainUnregistered(DbKind kind) throws Exception {
    ledgerWith30Events(kind);
    db.sql("DELETE FROM ledger_chain");
    try (Ledger ledger = db.open()) {
      List<String> codes = ledger.verify().findings().stream().map(Finding::code).toList();
      assertTrue(codes.contains("chain_missing"), codes.toString());
      assertTrue(codes.contains("chain_unregistered"), codes.toString());
    }
  }
}
