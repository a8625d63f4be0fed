package run.caracal.ledger.journal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.caracal.ledger.LedgerException;
import run.caracal.ledger.chain.ChainHead;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.store.LedgerStore;

/**
 * Puts what journals left by an earlier process hold into the database, before a ledger takes
 * new appends: for each journal file in chain and sequence order, the events past the chain's
 * head in the database are inserted (in transactions of {@value #BATCH}), then the file is
 * deleted. A frame cut short at the end of a file is a write a crash interrupted: its event was
 * never acknowledged and is dropped. An event that does not continue the chain (a missing
 * file, a foreign file) stops the recovery with {@code ledger_journal_invalid} and leaves the
 * files in place: nothing is half-written and the ledger does not open.
 */
public final class JournalRecovery {
  private static final int BATCH = 1_024;
  private static final String SUFFIX = ".journal";
  private static final Logger LOG = LoggerFactory.getLogger(JournalRecovery.class);

  private JournalRecovery() {}

  /** The journal file of {@code chainId} whose first event is {@code firstSeq}. */
  static String fileName(String chainId, long firstSeq) {
    return chainId + "-" + String.format("%019d", firstSeq) + SUFFIX;
  }

  /**
   * Recovers every journal in {@code directory} into {@code database}.
   *
   * @return the number of events inserted
   * @throws LedgerException {@code ledger_journal_invalid}, {@code ledger_storage_error}
   */
  public static long recover(Path directory, LedgerStore database) {
    if (!Files.isDirectory(directory)) {
      return 0;
    }
    List<Path> files;
    try (Stream<Path> list = Files.list(directory)) {
      files = list.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
    } catch (IOException e) {
      throw new LedgerException("ledger_storage_error", "cannot list the ledger journal " + directory + ": " + e.getMessage(), e);
    }
    long inserted = 0;
    for (Path file : files) {
      inserted += recoverFile(file, database);
      try {
        Files.delete(file);
      } catch (IOException e) {
        throw new LedgerException("ledger_storage_error", "cannot delete the recovered ledger journal " + file, e);
      }
    }
    if (inserted > 0) {
      LOG.info("put {} events from the ledger journal into the database", inserted);
    }
    return inserted;
  }

  private static long recoverFile(Path file, LedgerStore database) {
    long inserted = 0;
    long read = 0;
    ChainHead expected = null;
    List<AppendedEvent> batch = new ArrayList<>(BATCH);
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      Optional<AppendedEvent> next;
      while ((next = JournalCodec.read(in)).isPresent()) {
        AppendedEvent e = next.get();
        read++;
        if (expected == null) {
          expected = database.chainHead(e.chainId());
        }
        if (e.seq() <= expected.seq() && batch.isEmpty()) {
          continue; // already in the database
        }
        if (e.seq() != expected.seq() + 1 || !e.prevHash().equals(expected.hash())) {
          throw new LedgerException("ledger_journal_invalid", "the ledger journal " + file + " holds seq " + e.seq()
              + " of chain " + e.chainId() + ", which does not continue the chain at seq " + expected.seq()
              + "; the journal files are kept, nothing was changed after seq " + expected.seq());
        }
        batch.add(e);
        expected = new ChainHead(e.seq(), e.hash());
        if (batch.size() == BATCH) {
          database.append(batch, Optional.empty());
          inserted += batch.size();
          batch = new ArrayList<>(BATCH);
        }
      }
      if (in.read() != -1) {
        LOG.warn("the ledger journal {} ends with a record cut short after {} events (a write the process did not finish;"
            + " never acknowledged): dropped", file, read);
      }
    } catch (IOException e) {
      throw new LedgerException("ledger_storage_error", "cannot read the ledger journal " + file + ": " + e.getMessage(), e);
    }
    if (!batch.isEmpty()) {
      database.append(batch, Optional.empty());
      inserted += batch.size();
    }
    return inserted;
  }
}
