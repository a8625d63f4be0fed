package run.caracal.control.app;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import run.caracal.control.db.Jdbc;
import run.caracal.control.db.Json;

/** Applications and their secret hashes in the database. Thread-safe. */
public final class AppStore {
  /** The hashes an app's presented secret may match right now. */
  public record Credentials(Application app, String secretHash, Optional<String> previousHash, Optional<Instant> previousExpiresAt) {}

  private final Jdbc jdbc;

  public AppStore(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  public void insert(Application app, String secretHash) {
    jdbc.update("insert into apps (id, zone_id, name, labels, attributes, enabled, secret_hash, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
        app.id(), app.zoneId(), app.name(), Json.write(app.labels()), Json.write(app.attributes()), app.enabled(),
        secretHash, app.createdAt().toEpochMilli());
  }

  public List<Application> list(String zoneId) {
    return jdbc.query("select * from apps where zone_id = ? order by name", AppStore::map, zoneId);
  }

  public Optional<Application> find(String id) {
    return jdbc.queryOne("select * from apps where id = ?", AppStore::map, id);
  }

  public Optional<Credentials> credentials(String id) {
    return jdbc.queryOne("select * from apps where id = ?", rs -> new Credentials(map(rs), rs.getString("secret_hash"),
        Optional.ofNullable(rs.getString("previous_secret_hash")),
        Jdbc.optionalLong(rs, "previous_secret_expires_at").map(Instant::ofEpochMilli)), id);
  }

  /** Replaces the secret; the old one stays valid until {@code graceUntil}. */
  public boolean rotate(String id, String newHash, Instant graceUntil) {
    return jdbc.update("update apps set previous_secret_hash = secret_hash, previous_secret_expires_at = ?, secret_hash = ? where id = ?",
        graceUntil.toEpochMilli(), newHash, id) > 0;
  }

  public boolean setEnabled(String id, boolean enabled) {
    return jdbc.update("update apps set enabled = ? where id = ?", enabled, id) > 0;
  }

  public boolean delete(String id) {
    return jdbc.update("delete from apps where id = ?", id) > 0;
  }

  private static Application map(ResultSet rs) throws SQLException {
    return new Application(rs.getString("id"), rs.getString("zone_id"), rs.getString("name"),
        Json.stringList(rs.getString("labels")), Json.stringMap(rs.getString("attributes")),
        rs.getBoolean("enabled"), Instant.ofEpochMilli(rs.getLong("created_at")));
  }
}
