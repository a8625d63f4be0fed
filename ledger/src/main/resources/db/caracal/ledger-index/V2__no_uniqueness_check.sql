-- Caracal ledger key index, version 2: inserts without a uniqueness check.
--
-- Version 1 made (key_value, chain_id, seq) the primary key, so every insert searched the index
-- twice (the uniqueness check, then the insert): a third of the indexer's time under load. The
-- indexer never inserts a key twice anyway (the watermark moves by compare-and-set in the same
-- transaction, and lookups drop duplicates), so the index is now a plain one on the same columns.

CREATE TABLE ledger_key_v2 (
  key_value  VARCHAR(140) NOT NULL,  -- kind and value: r:<request id> t:<trace id> s:<session id> k:<token fp>
  chain_id   VARCHAR(64)  NOT NULL,
  seq        BIGINT       NOT NULL
);

INSERT INTO ledger_key_v2 (key_value, chain_id, seq) SELECT key_value, chain_id, seq FROM ledger_key;

DROP TABLE ledger_key;

ALTER TABLE ledger_key_v2 RENAME TO ledger_key;

CREATE INDEX ledger_key_lookup ON ledger_key (key_value, chain_id, seq);
