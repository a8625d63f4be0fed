package run.caracal.ledger.chain;

/**
 * The latest registry entry a writer saw: its ordinal and hash ({@code 0} and
 * {@link Hashes#ZERO} for an empty registry). Signed into every checkpoint.
 */
public record RegistryHead(long ordinal, String hash) {
  /** The head of an empty registry. */
  public static final RegistryHead EMPTY = new RegistryHead(0, Hashes.ZERO);
}
