-- Caracal ledger key index, version 1. Not part of the tamper-evident record: it is derived from
-- ledger_event and rebuilt by the indexer when missing (delete both tables' rows to rebuild).

CREATE TABLE ledger_key (
  key_value  VARCHAR(140) NOT NULL,  -- kind and value: r:<request id> t:<trace id> s:<session id> k:<token fp>
  chain_id   VARCHAR(64)  NOT NULL,
  seq        BIGINT       NOT NULL,
  PRIMARY KEY (key_value, chain_id, seq)
);

CREATE TABLE ledger_index_head (
  chain_id  VARCHAR(64) NOT NULL PRIMARY KEY,
  seq       BIGINT      NOT NULL  -- every event of the chain up to here has its keys in ledger_key
);
