package run.caracal.ledger.query;

import java.util.Objects;

/**
 * One page of a listing: at most {@code limit} events (1..10,000) after the opaque
 * {@code cursor} of the previous page (empty for the first page), ordered by time then chain
 * and sequence, oldest first unless {@code newestFirst}. Keyset paging: stable under
 * concurrent appends.
 */
public record PageRequest(int limit, String cursor, boolean newestFirst) {
  public static final int MAX_LIMIT = 10_000;

  public PageRequest {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("invalid_page: limit must be between 1 and " + MAX_LIMIT);
    }
    Objects.requireNonNull(cursor, "cursor");
  }

  /** The first page, oldest first. */
  public static PageRequest first(int limit) {
    return new PageRequest(limit, "", false);
  }

  /** The first page, newest first. */
  public static PageRequest newest(int limit) {
    return new PageRequest(limit, "", true);
  }

  /** The page after the one that returned {@code nextCursor}. */
  public PageRequest after(String nextCursor) {
    return new PageRequest(limit, nextCursor, newestFirst);
  }
}
