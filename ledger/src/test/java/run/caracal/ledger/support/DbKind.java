package run.caracal.ledger.support;

/** The two databases every storage test runs on. */
public enum DbKind {
  H2,
  POSTGRES
}
