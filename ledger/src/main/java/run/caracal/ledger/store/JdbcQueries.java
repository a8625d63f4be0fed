package run.caracal.ledger.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import run.caracal.ledger.chain.Timestamps;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.query.EventFilter;
import run.caracal.ledger.query.EventPage;
import run.caracal.ledger.query.PageCursor;
import run.caracal.ledger.query.PageRequest;

/** The read queries: by request id, by trace id (with related events), filtered pages. */
final class JdbcQueries {
  private static final Comparator<AppendedEvent> TIME_ORDER =
      Comparator.comparing((AppendedEvent e) -> e.event().occurredAt())
          .thenComparing(AppendedEvent::chainId)
          .thenComparingLong(AppendedEvent::seq);

  private final DataSource dataSource;

  JdbcQueries(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  List<AppendedEvent> byColumn(String column, String value, int limit) {
    String sql = "SELECT " + Rows.EVENT_COLUMNS + " FROM ledger_event WHERE " + column
        + " = ? ORDER BY occurred_at, chain_id, seq LIMIT " + limit;
    return select(sql, List.of(value));
  }

  List<AppendedEvent> byTraceId(String traceId, boolean related, int limit) {
    List<AppendedEvent> direct = byColumn("trace_id", traceId, limit);
    if (!related || direct.isEmpty()) {
      return direct;
    }
    Set<String> sessions = new LinkedHashSet<>();
    Set<String> tokens = new LinkedHashSet<>();
    for (AppendedEvent e : direct) {
      if (!e.event().sessionId().isEmpty()) {
        sessions.add(e.event().sessionId());
      }
      if (!e.event().tokenFingerprint().isEmpty()) {
        tokens.add(e.event().tokenFingerprint());
      }
    }
    Map<String, AppendedEvent> merged = new LinkedHashMap<>();
    direct.forEach(e -> merged.put(e.chainId() + "/" + e.seq(), e));
    for (List<AppendedEvent> more : List.of(
        inList("session_id", sessions, limit), inList("token_fp", tokens, limit))) {
      more.forEach(e -> merged.putIfAbsent(e.chainId() + "/" + e.seq(), e));
    }
    return merged.values().stream().sorted(TIME_ORDER).limit(limit).toList();
  }

  private List<AppendedEvent> inList(String column, Set<String> values, int limit) {
    if (values.isEmpty()) {
      return List.of();
    }
    List<String> bounded = values.stream().limit(500).toList();
    String marks = String.join(", ", Collections.nCopies(bounded.size(), "?"));
    String sql = "SELECT " + Rows.EVENT_COLUMNS + " FROM ledger_event WHERE " + column
        + " IN (" + marks + ") ORDER BY occurred_at, chain_id, seq LIMIT " + limit;
    return select(sql, new ArrayList<>(bounded));
  }

  EventPage list(EventFilter filter, PageRequest page) {
    StringBuilder where = new StringBuilder(" WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    filter.fromTime().ifPresent(t -> {
      where.append(" AND occurred_at >= ?");
      args.add(Timestamps.toSql(t));
    });
    filter.toTime().ifPresent(t -> {
      where.append(" AND occurred_at < ?");
      args.add(Timestamps.toSql(t));
    });
    filter.zoneId().ifPresent(v -> eq(where, args, "zone", v));
    filter.appId().ifPresent(v -> eq(where, args, "app", v));
    filter.resourceId().ifPresent(v -> eq(where, args, "resource", v));
    filter.decisionValue().ifPresent(v -> eq(where, args, "decision", v.wire()));
    if (!filter.typeList().isEmpty()) {
      List<String> parts = new ArrayList<>();
      for (String type : filter.typeList()) {
        if (type.endsWith(".*")) {
          parts.add("event_type LIKE ?");
          args.add(type.substring(0, type.length() - 1).replace("_", "\\_") + "%");
        } else {
          parts.add("event_type = ?");
          args.add(type);
        }
      }
      where.append(" AND (").append(String.join(" OR ", parts)).append(')');
    }
    String cmp = page.newestFirst() ? "<" : ">";
    if (!page.cursor().isEmpty()) {
      PageCursor cursor = PageCursor.decode(page.cursor());
      where.append(" AND (occurred_at ").append(cmp).append(" ? OR (occurred_at = ? AND"
          + " (chain_id ").append(cmp).append(" ? OR (chain_id = ? AND seq ").append(cmp)
          .append(" ?))))");
      args.add(Timestamps.toSql(cursor.occurredAt()));
      args.add(Timestamps.toSql(cursor.occurredAt()));
      args.add(cursor.chainId());
      args.add(cursor.chainId());
      args.add(cursor.seq());
    }
    String dir = page.newestFirst() ? " DESC" : "";
    String sql = "SELECT " + Rows.EVENT_COLUMNS + " FROM ledger_event" + where
        + " ORDER BY occurred_at" + dir + ", chain_id" + dir + ", seq" + dir
        + " LIMIT " + (page.limit() + 1);
    List<AppendedEvent> rows = select(sql, args);
    if (rows.size() <= page.limit()) {
      return new EventPage(rows, "");
    }
    List<AppendedEvent> events = rows.subList(0, page.limit());
    return new EventPage(events, PageCursor.at(events.get(events.size() - 1)).encode());
  }

  private static void eq(StringBuilder where, List<Object> args, String column, String value) {
    where.append(" AND ").append(column).append(" = ?");
    args.add(value);
  }

  private List<AppendedEvent> select(String sql, List<?> args) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      List<AppendedEvent> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(Rows.event(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw JdbcLedgerStore.failure("cannot query events", e);
    }
  }
}
