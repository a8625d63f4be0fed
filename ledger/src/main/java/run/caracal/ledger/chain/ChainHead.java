package run.caracal.ledger.chain;

/** The last event of a chain: its sequence and hash ({@code 0} and zeros when empty). */
public record ChainHead(long seq, String hash) {
  /** The head of a chain with no events. */
  public static final ChainHead EMPTY = new ChainHead(0, Hashes.ZERO);
}
