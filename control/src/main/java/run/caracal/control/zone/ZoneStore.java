package run.caracal.control.zone;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import run.caracal.control.db.Jdbc;

/** Zones in the database. Thread-safe. */
public final class ZoneStore {
  private final Jdbc jdbc;

  public ZoneStore(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  public void insert(Zone zone) {
    jdbc.update("insert into zones (id, name, created_at) values (?, ?, ?)",
        zone.id(), zone.name(), zone.createdAt().toEpochMilli());
  }

  public List<Zone> list() {
    return jdbc.query("select * from zones order by name", ZoneStore::map);
  }

  /** By id or by name. */
  public Optional<Zone> find(String idOrName) {
    return jdbc.queryOne("select * from zones where id = ? or name = ?", ZoneStore::map, idOrName, idOrName);
  }

  /** The URL that hears of each new pending approval in the zone, when one is set. */
  public Optional<String> approvalWebhook(String id) {
    return jdbc.queryOne("select approval_webhook from zones where id = ?", rs -> Optional.ofNullable(rs.getString(1)), id)
        .flatMap(u -> u).filter(u -> !u.isEmpty());
  }

  /** Sets the zone's approval webhook, or clears it with an empty value. */
  public void setApprovalWebhook(String id, Optional<String> url) {
    jdbc.update("update zones set approval_webhook = ? where id = ?", url.orElse(null), id);
  }

  /** Deletes the zone with its signing keys and approvers, which live and die with it (one transaction). */
  public boolean delete(String id) {
    return jdbc.transaction(c -> {
      Jdbc.update(c, "delete from signing_keys where zone_id = ?", id);
      Jdbc.update(c, "delete from approvers where zone_id = ?", id);
      return Jdbc.update(c, "delete from zones where id = ?", id) > 0;
    });
  }

  private static Zone map(ResultSet rs) throws SQLException {
    return new Zone(rs.getString("id"), rs.getString("name"), Instant.ofEpochMilli(rs.getLong("created_at")));
  }
}
