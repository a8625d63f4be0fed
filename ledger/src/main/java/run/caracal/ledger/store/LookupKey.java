package run.caracal.ledger.store;

/**
 * The columns events are looked up by, each stored in {@code ledger_key} as its prefix and the
 * value ({@code r:req_...}), so one table and one index serve all four.
 */
enum LookupKey {
  REQUEST("r:", "request_id"),
  TRACE("t:", "trace_id"),
  SESSION("s:", "session_id"),
  TOKEN("k:", "token_fp");

  private final String prefix;
  private final String column;

  LookupKey(String prefix, String column) {
    this.prefix = prefix;
    this.column = column;
  }

  /** The {@code ledger_event} column holding this key. */
  String column() {
    return column;
  }

  /** The value stored in {@code ledger_key.key_value}. */
  String of(String value) {
    return prefix + value;
  }
}
