package run.caracal.control.session;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import run.caracal.control.db.Jdbc;
import run.caracal.control.db.Json;
import run.caracal.control.pipeline.SessionReads;

/**
 * Sessions and revoked token ids. Each session stores its lineage (ancestor ids then its own,
 * `/`-joined) so terminating one ends every descendant in one statement. Thread-safe.
 */
public final class SessionStore implements SessionReads {
  private final Jdbc jdbc;

  public SessionStore(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  public void insert(SessionRecord s) {
    jdbc.update("insert into sessions (id, zone_id, app_id, parent_id, root_id, lineage, depth, scopes, resources, one_shot, created_at, expires_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        s.id(), s.zoneId(), s.appId(), s.parentId().orElse(null), s.rootId(), lineage(s.lineage()), s.depth(),
        Json.write(s.scopes()), Json.write(s.resources()), s.oneShot(), s.createdAt().toEpochMilli(), s.expiresAt().toEpochMilli());
  }

  /** Removes a session that never became usable (its opening could not be recorded). */
  public void delete(String id) {
    jdbc.update("delete from sessions where id = ?", id);
  }

  @Override
  public Optional<SessionRecord> find(String id) {
    return jdbc.queryOne("select * from sessions where id = ?", SessionStore::map, id);
  }

  public List<SessionRecord> list(String zoneId, boolean activeOnly, Instant now, int limit) {
    return activeOnly
        ? jdbc.query("select * from sessions where zone_id = ? and terminated_at is null and expires_at > ? order by created_at desc limit ?",
            SessionStore::map, zoneId, now.toEpochMilli(), limit)
        : jdbc.query("select * from sessions where zone_id = ? order by created_at desc limit ?", SessionStore::map, zoneId, limit);
  }

  /** Ends the session and every descendant; returns the ids that were ended now. */
  public List<String> terminate(String id, Instant at) {
    return jdbc.transaction(c -> {
      List<String> lineages = Jdbc.query(c, "select lineage from sessions where id = ?", rs -> rs.getString(1), id);
      if (lineages.isEmpty()) {
        return List.of();
      }
      String prefix = lineages.get(0) + "/";
      List<String> ended = Jdbc.query(c, "select id from sessions where (id = ? or lineage like ?) and terminated_at is null",
          rs -> rs.getString(1), id, escapeLike(prefix) + "%");
      Jdbc.update(c, "update sessions set terminated_at = ? where (id = ? or lineage like ?) and terminated_at is null",
          at.toEpochMilli(), id, escapeLike(prefix) + "%");
      return ended;
    });
  }

  /** Whether the session is missing, ended or expired, or any ancestor is ended. */
  public boolean revokedOrExpired(String id, Instant now) {
    return find(id).map(s -> !s.activeAt(now)).orElse(true);
  }

  public void revokeToken(String jti, String zoneId, String sessionId, Instant expiresAt, Instant at) {
    jdbc.transaction(c -> {
      if (Jdbc.query(c, "select jti from revoked_tokens where jti = ?", rs -> rs.getString(1), jti).isEmpty()) {
        Jdbc.update(c, "insert into revoked_tokens (jti, zone_id, session_id, expires_at, revoked_at) values (?, ?, ?, ?, ?)",
            jti, zoneId, sessionId, expiresAt.toEpochMilli(), at.toEpochMilli());
      }
      return null;
    });
  }

  /** A session together with whether the token asked about was revoked; read in one query. */
  public record Checked(SessionRecord session, boolean tokenRevoked) {}

  /**
   * The session {@code id} and whether the token {@code jti} is revoked, in one round trip (the
   * Gateway checks both on every request, introspection on every call); empty when the session
   * does not exist.
   */
  @Override
  public Optional<Checked> findChecked(String id, String jti) {
    return jdbc.queryOne("select s.*, exists(select 1 from revoked_tokens r where r.jti = ?) as token_revoked"
        + " from sessions s where s.id = ?", rs -> new Checked(map(rs), rs.getBoolean("token_revoked")), jti, id);
  }

  static String lineage(List<String> ids) {
    return String.join("/", ids);
  }

  private static String escapeLike(String s) {
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }

  private static SessionRecord map(ResultSet rs) throws SQLException {
    return new SessionRecord(rs.getString("id"), rs.getString("zone_id"), rs.getString("app_id"),
        Optional.ofNullable(rs.getString("parent_id")), rs.getString("root_id"),
        Arrays.asList(rs.getString("lineage").split("/")), rs.getInt("depth"),
        Json.stringList(rs.getString("scopes")), Json.stringList(rs.getString("resources")), rs.getBoolean("one_shot"),
        Instant.ofEpochMilli(rs.getLong("created_at")), Instant.ofEpochMilli(rs.getLong("expires_at")),
        Jdbc.optionalLong(rs, "terminated_at").map(Instant::ofEpochMilli));
  }
}
