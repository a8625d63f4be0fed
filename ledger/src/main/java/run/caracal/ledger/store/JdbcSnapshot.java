package run.caracal.ledger.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import run.caracal.ledger.chain.ChainRecord;
import run.caracal.ledger.checkpoint.Checkpoint;
import run.caracal.ledger.event.AppendedEvent;

/** A snapshot over one read-only transaction; events are read in keyset pages. */
final class JdbcSnapshot implements LedgerSnapshot {
  private static final int PAGE = 5_000;

  private final Connection connection;

  JdbcSnapshot(Connection connection) {
    this.connection = connection;
  }

  @Override
  public List<ChainRecord> chains() {
    List<ChainRecord> out = new ArrayList<>();
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT " + Rows.CHAIN_COLUMNS + " FROM ledger_chain ORDER BY ordinal");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(Rows.chain(rs));
      }
      return out;
    } catch (SQLException e) {
      throw JdbcLedgerStore.failure("cannot read the chain registry", e);
    }
  }

  @Override
  public List<Checkpoint> checkpoints() {
    List<Checkpoint> out = new ArrayList<>();
    try (PreparedStatement ps = connection.prepareStatement("SELECT " + Rows.CHECKPOINT_COLUMNS
        + " FROM ledger_checkpoint ORDER BY chain_id, seq");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(Rows.checkpoint(rs));
      }
      return out;
    } catch (SQLException e) {
      throw JdbcLedgerStore.failure("cannot read checkpoints", e);
    }
  }

  @Override
  public Map<String, Long> eventChains() {
    Map<String, Long> out = new LinkedHashMap<>();
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT chain_id, COUNT(*) FROM ledger_event GROUP BY chain_id ORDER BY chain_id");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getLong(2));
      }
      return out;
    } catch (SQLException e) {
      throw JdbcLedgerStore.failure("cannot read event chains", e);
    }
  }

  @Override
  public void events(String chainId, EventSink sink) {
    String sql = "SELECT " + Rows.EVENT_COLUMNS + " FROM ledger_event"
        + " WHERE chain_id = ? AND seq > ? ORDER BY seq LIMIT " + PAGE;
    long after = Long.MIN_VALUE;
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      ps.setFetchSize(PAGE);
      while (true) {
        ps.setString(1, chainId);
        ps.setLong(2, after);
        int rows = 0;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rows++;
            after = rs.getLong(2);
            AppendedEvent event;
            try {
              event = Rows.event(rs);
            } catch (IllegalArgumentException | NullPointerException e) {
              sink.unreadable(chainId, after, String.valueOf(e.getMessage()));
              continue;
            }
            sink.event(event);
          }
        }
        if (rows < PAGE) {
          return;
        }
      }
    } catch (SQLException e) {
      throw JdbcLedgerStore.failure("cannot read events of chain `" + chainId + "`", e);
    }
  }
}
