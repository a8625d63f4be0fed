package run.caracal.ledger.journal;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the ledger's journal lives and how it writes.
 *
 * @param directory the journal files' directory (created when missing)
 * @param sync {@code fsync} each write: survives power loss, costs a disk flush per group commit;
 *     without it a write survives a killed process (as an H2 commit with {@code WRITE_DELAY=0})
 * @param segmentBytes size at which a journal file is closed and the next one started
 * @param backlogLimit most events journaled and not yet in the database before appends fail
 */
public record JournalSettings(Path directory, boolean sync, long segmentBytes, int backlogLimit) {
  public JournalSettings {
    Objects.requireNonNull(directory, "directory");
    if (segmentBytes < 1 || backlogLimit < 1) {
      throw new IllegalArgumentException("invalid_settings: journal sizes must be positive");
    }
  }

  /** A journal in {@code directory}: 64 MiB files, at most 65,536 events behind the database. */
  public static JournalSettings in(Path directory, boolean sync) {
    return new JournalSettings(directory, sync, 64L << 20, 65_536);
  }
}
