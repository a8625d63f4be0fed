package run.caracal.ledger.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import run.caracal.ledger.chain.ChainRecord;
import run.caracal.ledger.chain.Timestamps;
import run.caracal.ledger.checkpoint.Checkpoint;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.event.LedgerEvent;

/** Column lists and row mapping for the three tables. */
final class Rows {
  static final String EVENT_COLUMNS = "chain_id, seq, event_id, event_type, decision, occurred_at,"
      + " request_id, trace_id, session_id, token_fp, zone, app, resource, actor, explanation,"
      + " prev_hash, hash";
  static final String INSERT_EVENT = "INSERT INTO ledger_event (" + EVENT_COLUMNS
      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  static final String CHECKPOINT_COLUMNS = "chain_id, seq, hash, created_at, registry_ordinal,"
      + " registry_hash, key_id, signature";
  static final String INSERT_CHECKPOINT = "INSERT INTO ledger_checkpoint (" + CHECKPOINT_COLUMNS
      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  static final String CHAIN_COLUMNS = "ordinal, chain_id, started_at, writer, prev_hash, hash";

  private Rows() {}

  static void bindEvent(PreparedStatement ps, AppendedEvent row) throws SQLException {
    LedgerEvent e = row.event();
    ps.setString(1, row.chainId());
    ps.setLong(2, row.seq());
    ps.setString(3, e.id());
    ps.setString(4, e.type());
    ps.setString(5, e.decision().wire());
    ps.setObject(6, Timestamps.toSql(e.occurredAt()));
    ps.setString(7, nullIfEmpty(e.requestId()));
    ps.setString(8, nullIfEmpty(e.traceId()));
    ps.setString(9, nullIfEmpty(e.sessionId()));
    ps.setString(10, nullIfEmpty(e.tokenFingerprint()));
    ps.setString(11, nullIfEmpty(e.zone()));
    ps.setString(12, nullIfEmpty(e.app()));
    ps.setString(13, nullIfEmpty(e.resource()));
    ps.setString(14, nullIfEmpty(e.actor()));
    ps.setString(15, nullIfEmpty(e.explanation()));
    ps.setString(16, row.prevHash());
    ps.setString(17, row.hash());
  }

  /**
   * Reads an event row.
   *
   * @throws IllegalArgumentException when a value no longer passes the event's checks (a row
   *     edited in place); verification reports it as changed content
   */
  static AppendedEvent event(ResultSet rs) throws SQLException {
    LedgerEvent event = new LedgerEvent(
        rs.getString(3),
        rs.getString(4),
        decision(rs.getString(5)),
        Timestamps.fromSql(rs.getObject(6, OffsetDateTime.class)),
        rs.getString(7),
        rs.getString(8),
        rs.getString(9),
        rs.getString(10),
        rs.getString(11),
        rs.getString(12),
        rs.getString(13),
        rs.getString(14),
        rs.getString(15));
    return new AppendedEvent(event, rs.getString(1), rs.getLong(2), rs.getString(16),
        rs.getString(17));
  }

  static void bindCheckpoint(PreparedStatement ps, Checkpoint c) throws SQLException {
    ps.setString(1, c.chainId());
    ps.setLong(2, c.seq());
    ps.setString(3, c.hash());
    ps.setObject(4, Timestamps.toSql(c.createdAt()));
    ps.setLong(5, c.registryOrdinal());
    ps.setString(6, c.registryHash());
    ps.setString(7, c.keyId());
    ps.setString(8, c.signature());
  }

  static Checkpoint checkpoint(ResultSet rs) throws SQLException {
    return new Checkpoint(rs.getString(1), rs.getLong(2), rs.getString(3),
        Timestamps.fromSql(rs.getObject(4, OffsetDateTime.class)), rs.getLong(5),
        rs.getString(6), rs.getString(7), rs.getString(8));
  }

  static ChainRecord chain(ResultSet rs) throws SQLException {
    return new ChainRecord(rs.getLong(1), rs.getString(2),
        Timestamps.fromSql(rs.getObject(3, OffsetDateTime.class)), rs.getString(4),
        rs.getString(5), rs.getString(6));
  }

  private static Decision decision(String wire) {
    return Decision.fromWire(wire == null ? "" : wire);
  }

  private static String nullIfEmpty(String value) {
    return value.isEmpty() ? null : value;
  }
}
