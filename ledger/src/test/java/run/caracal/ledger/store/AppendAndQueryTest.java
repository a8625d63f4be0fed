package run.caracal.ledger.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.checkpoint.SigningKey;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.event.Fingerprint;
import run.caracal.ledger.query.EventFilter;
import run.caracal.ledger.query.EventPage;
import run.caracal.ledger.query.PageRequest;
import run.caracal.ledger.support.DbKind;
import run.caracal.ledger.support.Events;
import run.caracal.ledger.support.TestDatabase;

class AppendAndQueryTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void append_events_chainedContiguouslyAndVerified(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    try (Ledger ledger = db.open()) {
      List<AppendedEvent> out = Events.appendAll(ledger, 1, 25);
      for (int i = 0; i < out.size(); i++) {
        assertEquals(i + 1, out.get(i).seq());
        assertEquals(i == 0 ? "0".repeat(64) : out.get(i - 1).hash(), out.get(i).prevHash());
      }
      assertEquals(Optional.of(out.get(0).chainId()), ledger.chainId());
      assertEquals(Events.decision(7), ledger.byRequestId("req-7").get(0).event());
      assertTrue(ledger.verify().ok(), ledger.verify().summary());
    }
    // the last event is always covered: by the batch that made a checkpoint due, or on close
    assertEquals(25, db.count("SELECT MAX(seq) FROM ledger_checkpoint"));
    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(db.keyDir().resolve(SigningKey.KEY_FILE))));
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void open_secondProcessStart_newChainInRegistry(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    String first;
    try (Ledger ledger = db.open()) {
      first = Events.appendAll(ledger, 1, 3).get(0).chainId();
    }
    try (Ledger reader = db.open()) {
      assertTrue(reader.verify().ok());
      assertEquals(Optional.empty(), reader.chainId()); // reading never creates a chain
    }
    try (Ledger ledger = db.open()) {
      AppendedEvent e = Events.appendAll(ledger, 4, 4).get(0);
      assertNotEquals(first, e.chainId());
      assertEquals(1, e.seq());
      var report = ledger.verify();
      assertTrue(report.ok(), report.summary());
      assertEquals(2, report.chains());
      assertEquals(4, report.events());
    }
    assertEquals(2, db.count("SELECT COUNT(*) FROM ledger_chain"));
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void byTraceId_joinsEventsSharingSessionOrToken(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    try (Ledger ledger = db.open()) {
      Events.appendAll(ledger, 1, 30);
      // the STS issue: no trace id, but the session and token of events 10..14
      ledger.append(ledger.newEvent("authorization").id("sts-issue").sessionId("sess-2")
          .token(Fingerprint.of("jti-2")).decision(Decision.ALLOW).build()).join();
      List<String> ids = ledger.byTraceId("trace-1", 100).stream()
          .map(e -> e.event().id()).toList();
      // trace-1 is events 10..19 (sessions sess-2, sess-3); the STS event joins via sess-2
      assertTrue(ids.containsAll(List.of("evt-10", "evt-19", "sts-issue")), ids.toString());
      assertEquals(11, ids.size(), ids.toString());
    }
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void list_filtersAndKeysetPages(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    try (Ledger ledger = db.open()) {
      Events.appendAll(ledger, 1, 40);
      EventFilter prodDeny = EventFilter.all().zone("prod").decision(Decision.DENY)
          .types("gateway.*").from(Events.T0).to(Events.T0.plusMillis(40));
      List<String> seen = new ArrayList<>();
      PageRequest page = PageRequest.first(3);
      while (true) {
        EventPage p = ledger.list(prodDeny, page);
        p.events().forEach(e -> seen.add(e.event().id()));
        if (p.next().isEmpty()) {
          break;
        }
        page = page.after(p.nextCursor());
      }
      assertEquals(List.of("evt-4", "evt-8", "evt-12", "evt-16", "evt-20", "evt-24", "evt-28",
          "evt-32", "evt-36"), seen);
      EventPage newest = ledger.list(EventFilter.all().app("app-1"), PageRequest.newest(2));
      assertEquals(List.of("evt-40", "evt-37"),
          newest.events().stream().map(e -> e.event().id()).toList());
      EventPage next = ledger.list(EventFilter.all().app("app-1"),
          PageRequest.newest(2).after(newest.nextCursor()));
      assertEquals(List.of("evt-34", "evt-31"),
          next.events().stream().map(e -> e.event().id()).toList());
      assertTrue(ledger.list(EventFilter.all().types("policy.*"), PageRequest.first(5))
          .events().isEmpty());
    }
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void append_rawTokenInExplanation_neverPersisted(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    String jwt = "eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJ0b2stMSJ9.c2lnbmF0dXJl";
    try (Ledger ledger = db.open()) {
      ledger.append(ledger.newEvent("authorization").requestId("r1")
          .explanation("{\"subject_token\":\"" + jwt + "\",\"client_secret\":\"hunter2-secret\","
              + "\"headers\":{\"authorization\":\"Bearer " + jwt + "\"}}")
          .build()).join();
      assertTrue(ledger.verify().ok());
    }
    try (var c = db.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM ledger_event")) {
      int columns = rs.getMetaData().getColumnCount();
      assertTrue(rs.next());
      for (int i = 1; i <= columns; i++) {
        String value = String.valueOf(rs.getString(i));
        assertFalse(value.contains(jwt) || value.contains("hunter2"), value);
      }
    }
  }
}
