package run.caracal.ledger.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
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

  /** Hits read from the key index per lookup, at most (as many as a page may hold). */
  private static final int MAX_HITS = PageRequest.MAX_LIMIT;
  /** Row ids per statement when events are fetched by primary key. */
  private static final int FETCH_CHUNK = 500;

  private final DataSource dataSource;
  private final DataSource index;

  JdbcQueries(DataSource dataSource, DataSource index) {
    this.dataSource = dataSource;
    this.index = index;
  }

  /** Every chain of the registry, oldest first. */
  static List<String> chains(DataSource events) {
    try (Connection c = events.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT chain_id FROM ledger_chain ORDER BY ordinal");
        ResultSet rs = ps.executeQuery()) {
      List<String> chains = new ArrayList<>();
      while (rs.next()) {
        chains.add(rs.getString(1));
      }
      return chains;
    } catch (SQLException e) {
      throw JdbcLedgerStore.failure("cannot read the chain registry", e);
    }
  }

  /** How far the key index reaches in each chain (a chain not yet indexed is absent). */
  static Map<String, Long> watermarks(DataSource index) {
    try (Connection c = index.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT chain_id, seq FROM ledger_index_head");
        ResultSet rs = ps.executeQuery()) {
      Map<String, Long> marks = new HashMap<>();
      while (rs.next()) {
        marks.put(rs.getString(1), rs.getLong(2));
      }
      return marks;
    } catch (SQLException e) {
      throw JdbcLedgerStore.failure("cannot read the key index", e);
    }
  }

  List<AppendedEvent> byKey(LookupKey key, String value, int limit) {
    return inList(key, Set.of(value), limit);
  }

  List<AppendedEvent> byTraceId(String traceId, boolean related, int limit) {
    List<AppendedEvent> direct = byKey(LookupKey.TRACE, traceId, limit);
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
        inList(LookupKey.SESSION, sessions, limit), inList(LookupKey.TOKEN, tokens, limit))) {
      more.forEach(e -> merged.putIfAbsent(e.chainId() + "/" + e.seq(), e));
    }
    return merged.values().stream().sorted(TIME_ORDER).limit(limit).toList();
  }

  /**
   * Events whose {@code key} is one of {@code values}, in time order: those the indexer has
   * reached through the key index, the others (above their chain's watermark) by a scan of the
   * chain's tail. The watermarks are read before the index, so an event the indexer passes
   * meanwhile is found twice (and kept once), never missed.
   */
  private List<AppendedEvent> inList(LookupKey key, Set<String> values, int limit) {
    if (values.isEmpty()) {
      return List.of();
    }
    List<String> bounded = values.stream().limit(500).toList();
    String marks = String.join(", ", Collections.nCopies(bounded.size(), "?"));
    Map<String, Long> watermarks = watermarks(index);
    Map<String, List<Long>> hits = new LinkedHashMap<>();
    try (Connection c = index.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT chain_id, seq FROM ledger_key WHERE key_value IN (" + marks
            + ") ORDER BY chain_id, seq LIMIT " + MAX_HITS)) {
      for (int i = 0; i < bounded.size(); i++) {
        ps.setString(i + 1, key.of(bounded.get(i)));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          hits.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getLong(2));
        }
      }
    } catch (SQLException e) {
      throw JdbcLedgerStore.failure("cannot read the key index", e);
    }
    Map<String, AppendedEvent> found = new LinkedHashMap<>();
    for (Map.Entry<String, List<Long>> chain : hits.entrySet()) {
      List<Long> seqs = chain.getValue();
      for (int from = 0; from < seqs.size(); from += FETCH_CHUNK) {
        List<Long> part = seqs.subList(from, Math.min(seqs.size(), from + FETCH_CHUNK));
        List<Object> args = new ArrayList<>();
        args.add(chain.getKey());
        args.addAll(part);
        select("SELECT " + Rows.EVENT_COLUMNS + " FROM ledger_event WHERE chain_id = ? AND seq IN ("
            + String.join(", ", Collections.nCopies(part.size(), "?")) + ")", args)
            .forEach(e -> found.put(e.chainId() + "/" + e.seq(), e));
      }
    }
    for (String chain : chains(dataSource)) {
      List<Object> args = new ArrayList<>();
      args.add(chain);
      args.add(watermarks.getOrDefault(chain, 0L));
      args.addAll(bounded);
      select("SELECT " + Rows.EVENT_COLUMNS + " FROM ledger_event WHERE chain_id = ? AND seq > ? AND " + key.column()
          + " IN (" + marks + ")", args).forEach(e -> found.putIfAbsent(e.chainId() + "/" + e.seq(), e));
    }
    return found.values().stream().sorted(TIME_ORDER).limit(limit).toList();
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
