package run.caracal.ledger.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;
import run.caracal.ledger.LedgerException;
import run.caracal.ledger.chain.ChainHead;
import run.caracal.ledger.chain.EventHashing;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.LedgerEvent;
import run.caracal.ledger.store.DataSources;
import run.caracal.ledger.store.JdbcLedgerStore;
import run.caracal.ledger.support.DbKind;
import run.caracal.ledger.support.Events;
import run.caracal.ledger.support.TestDatabase;

class JournalTest {
  @TempDir Path tmp;

  private static List<AppendedEvent> chain(String chainId, int from, int to, ChainHead after) {
    List<AppendedEvent> rows = new ArrayList<>();
    long seq = after.seq();
    String prev = after.hash();
    for (int i = from; i <= to; i++) {
      LedgerEvent e = Events.decision(i);
      seq++;
      String hash = EventHashing.hash(e, chainId, seq, prev);
      rows.add(new AppendedEvent(e, chainId, seq, prev, hash));
      prev = hash;
    }
    return rows;
  }

  private static List<AppendedEvent> readAll(InputStream in) throws IOException {
    List<AppendedEvent> out = new ArrayList<>();
    Optional<AppendedEvent> next;
    while ((next = JournalCodec.read(in)).isPresent()) {
      out.add(next.get());
    }
    return out;
  }

  @Test
  void codec_roundTrip_givesEqualEvents() throws IOException {
    List<AppendedEvent> rows = chain("c1", 1, 50, ChainHead.EMPTY);
    assertEquals(rows, readAll(new ByteArrayInputStream(JournalCodec.encode(rows))));
  }

  @Test
  void codec_cutShortOrCorrupted_stopsBeforeTheBadFrame() throws IOException {
    List<AppendedEvent> rows = chain("c1", 1, 3, ChainHead.EMPTY);
    byte[] block = JournalCodec.encode(rows);
    byte[] cut = new byte[block.length - 5];
    System.arraycopy(block, 0, cut, 0, cut.length);
    assertEquals(rows.subList(0, 2), readAll(new ByteArrayInputStream(cut)));

    byte[] flipped = block.clone();
    flipped[block.length / 2] ^= 0x40; // inside the second frame's payload
    List<AppendedEvent> read = readAll(new ByteArrayInputStream(flipped));
    assertTrue(read.size() < 3 && read.equals(rows.subList(0, read.size())), "stops at the corrupted frame");
    assertArrayEquals(block, JournalCodec.encode(rows), "encoding is deterministic");
  }

  private static LedgerConfig journaled(TestDatabase db, Path journal, long segmentBytes) {
    return db.config().withJournal(new JournalSettings(journal, false, segmentBytes, 65_536));
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void append_isReadBackAtOnce_verifies_andLeavesNoJournalFiles(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    Path journal = tmp.resolve("journal");
    try (Ledger ledger = Ledger.open(journaled(db, journal, 8 * 1024))) {
      List<CompletableFuture<AppendedEvent>> futures = IntStream.rangeClosed(1, 400)
          .mapToObj(i -> ledger.append(Events.decision(i))).toList();
      futures.forEach(CompletableFuture::join);
      // read-your-writes: a lookup right after the acknowledgement sees the event
      for (int i : new int[] {1, 200, 400}) {
        assertEquals(1, ledger.byRequestId("req-" + i).size(), "req-" + i);
      }
      assertTrue(ledger.verify().ok());
      assertEquals(0, ledger.journalBacklog());
      try (Stream<Path> files = Files.list(journal)) {
        assertTrue(files.count() <= 2, "full 8 KiB files are deleted once in the database");
      }
    }
    try (Stream<Path> files = Files.list(journal)) {
      assertEquals(List.of(), files.toList(), "a clean close leaves no journal");
    }
    assertEquals(400, db.count("SELECT COUNT(*) FROM ledger_event"));
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void open_recoversAJournalLeftBehind_droppingATornLastRecord(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    try (Ledger ledger = db.open()) {
      ledger.verify(); // migrate
    }
    String chainId = "recovered-chain";
    List<AppendedEvent> first;
    try (HikariDataSource ds = DataSources.pool(db.url(), db.user(), "", 2)) {
      JdbcLedgerStore store = new JdbcLedgerStore(ds);
      store.registerChain(chainId, Instant.now(), "test");
      first = chain(chainId, 1, 3, ChainHead.EMPTY);
      store.append(first, Optional.empty()); // the database already had the first three
    }
    List<AppendedEvent> journaledRows = chain(chainId, 4, 10, new ChainHead(3, first.get(2).hash()));
    List<AppendedEvent> all = new ArrayList<>(first);
    all.addAll(journaledRows);
    byte[] block = JournalCodec.encode(all);
    Path journal = Files.createDirectories(tmp.resolve("journal"));
    byte[] torn = new byte[block.length + 9];
    System.arraycopy(block, 0, torn, 0, block.length);
    torn[block.length + 3] = 100; // a frame header announcing 100 bytes that never came
    Files.write(journal.resolve(JournalRecovery.fileName(chainId, 1)), torn);

    try (Ledger ledger = Ledger.open(journaled(db, journal, 1 << 20))) {
      assertEquals(1, ledger.byRequestId("req-10").size());
      assertTrue(ledger.verify().ok(), ledger.verify().summary());
    }
    assertEquals(10, db.count("SELECT COUNT(*) FROM ledger_event"));
    try (Stream<Path> files = Files.list(journal)) {
      assertEquals(List.of(), files.toList());
    }
  }

  @Test
  void open_journalThatDoesNotContinueTheChain_failsAndKeepsTheFiles() throws Exception {
    TestDatabase db = TestDatabase.create(DbKind.H2, tmp);
    Path journal = Files.createDirectories(tmp.resolve("journal"));
    List<AppendedEvent> rows = chain("gap-chain", 1, 5, ChainHead.EMPTY);
    Path file = journal.resolve(JournalRecovery.fileName("gap-chain", 3));
    Files.write(file, JournalCodec.encode(rows.subList(2, 5))); // seq 3..5 with 1..2 nowhere

    LedgerException e = assertThrows(LedgerException.class, () -> Ledger.open(journaled(db, journal, 1 << 20)));
    assertEquals("ledger_journal_invalid", e.code());
    assertTrue(Files.exists(file));
    assertEquals(0, db.count("SELECT COUNT(*) FROM ledger_event"));
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void databaseFailing_appendsStayDurableInTheJournal_untilTheBacklogIsFull(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    Path journal = tmp.resolve("journal");
    try (Ledger ledger = Ledger.open(db.config().withJournal(new JournalSettings(journal, false, 1 << 20, 20)))) {
      ledger.append(Events.decision(1)).join(); // the chain is registered while the database works
      db.sql("ALTER TABLE ledger_event RENAME TO ledger_event_away");
      try {
        List<AppendedEvent> acknowledged = IntStream.rangeClosed(2, 11).mapToObj(i -> ledger.append(Events.decision(i)))
            .map(CompletableFuture::join).toList();
        assertEquals(10, acknowledged.size(), "durable in the journal while the database fails");
        List<CompletableFuture<AppendedEvent>> more = IntStream.rangeClosed(12, 40)
            .mapToObj(i -> ledger.append(Events.decision(i))).toList();
        CompletionException refused = assertThrows(CompletionException.class, () -> more.forEach(CompletableFuture::join));
        LedgerException cause = assertInstanceOf(LedgerException.class, refused.getCause());
        assertEquals("ledger_write_failed", cause.code(), "at most 20 events may wait for the database");
      } finally {
        db.sql("ALTER TABLE ledger_event_away RENAME TO ledger_event");
      }
      for (int i : new int[] {1, 2, 11}) {
        assertEquals(1, ledger.byRequestId("req-" + i).size(), "req-" + i + " reached the database");
      }
      ledger.append(Events.decision(41)).join();
      assertTrue(ledger.verify().ok(), ledger.verify().summary());
    }
  }
}
