-- Caracal ledger schema, version 1. Portable between H2 2.x and PostgreSQL.
-- Append-only: the application only ever INSERTs and SELECTs these tables.

CREATE TABLE ledger_chain (
  ordinal     BIGINT                      NOT NULL PRIMARY KEY,
  chain_id    VARCHAR(64)                 NOT NULL UNIQUE,
  started_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  writer      VARCHAR(256)                NOT NULL,
  prev_hash   CHAR(64)                    NOT NULL,
  hash        CHAR(64)                    NOT NULL
);

CREATE TABLE ledger_event (
  chain_id     VARCHAR(64)                 NOT NULL,
  seq          BIGINT                      NOT NULL,
  event_id     VARCHAR(128)                NOT NULL,
  event_type   VARCHAR(72)                 NOT NULL,
  decision     VARCHAR(8)                  NOT NULL,
  occurred_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  request_id   VARCHAR(128),
  trace_id     VARCHAR(128),
  session_id   VARCHAR(128),
  token_fp     VARCHAR(22),
  zone         VARCHAR(256),
  app          VARCHAR(256),
  resource     VARCHAR(1024),
  actor        VARCHAR(256),
  explanation  VARCHAR(262144),
  prev_hash    CHAR(64)                    NOT NULL,
  hash         CHAR(64)                    NOT NULL,
  PRIMARY KEY (chain_id, seq)
);

CREATE INDEX ledger_event_request ON ledger_event (request_id);
CREATE INDEX ledger_event_trace ON ledger_event (trace_id);
CREATE INDEX ledger_event_session ON ledger_event (session_id);
CREATE INDEX ledger_event_token ON ledger_event (token_fp);
CREATE INDEX ledger_event_time ON ledger_event (occurred_at, chain_id, seq);

CREATE TABLE ledger_checkpoint (
  chain_id          VARCHAR(64)                 NOT NULL,
  seq               BIGINT                      NOT NULL,
  hash              CHAR(64)                    NOT NULL,
  created_at        TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  registry_ordinal  BIGINT                      NOT NULL,
  registry_hash     CHAR(64)                    NOT NULL,
  key_id            VARCHAR(64)                 NOT NULL,
  signature         VARCHAR(128)                NOT NULL,
  PRIMARY KEY (chain_id, seq)
);
