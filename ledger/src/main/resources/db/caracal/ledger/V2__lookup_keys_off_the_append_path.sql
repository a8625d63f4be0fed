-- Caracal ledger schema, version 2: the lookup keys of events leave the append path.
--
-- ledger_event kept a B-tree per lookup column (request, trace, session, token); maintaining four
-- trees of random keys in every commit cost more than the rest of an append. An append now only
-- touches the primary key and the time index (both grow at their end). A background indexer
-- copies each event's keys into the key index (schema db/caracal/ledger-index: in this database on
-- PostgreSQL, in its own file beside the embedded H2 ledger); lookups read the index up to each
-- chain's watermark and the events above it directly, so they never miss an event.

DROP INDEX ledger_event_request;
DROP INDEX ledger_event_trace;
DROP INDEX ledger_event_session;
DROP INDEX ledger_event_token;
