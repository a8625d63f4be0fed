-- Ledger events of control-plane changes, written in the change's own transaction and appended
-- to the ledger after the commit (then deleted), so a change and its event cannot diverge.
CREATE TABLE ledger_outbox (
  id          VARCHAR(64)     NOT NULL PRIMARY KEY,
  event       VARCHAR(300000) NOT NULL,
  created_at  BIGINT          NOT NULL
);
