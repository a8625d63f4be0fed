package run.caracal.ledger.export;

/**
 * Names used in the NDJSON export: one JSON object per line, each with a {@code kind}:
 * {@code header}, then {@code chain} (registry order), {@code checkpoint}, {@code event}
 * (per chain, in sequence order), and a final {@code end} with counts.
 */
public final class ExportFormat {
  /** The header's {@code format} value. */
  public static final String FORMAT = "caracal-ledger-export";
  /**
   * The header's {@code version} value: 2 holds an event's explanation as a JSON object when its
   * stored text is that object's canonical form (see {@link ExportedExplanation}), 1 always as a
   * string. Both are read.
   */
  public static final int VERSION = 2;
  /** The oldest version still read. */
  public static final int OLDEST_READ = 1;

  static final String KIND = "kind";
  static final String HEADER = "header";
  static final String CHAIN = "chain";
  static final String CHECKPOINT = "checkpoint";
  static final String EVENT = "event";
  static final String UNREADABLE = "unreadable";
  static final String END = "end";

  private ExportFormat() {}
}
