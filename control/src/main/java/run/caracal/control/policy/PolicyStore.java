package run.caracal.control.policy;

import com.fasterxml.jackson.core.type.TypeReference;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import run.caracal.control.db.Jdbc;
import run.caracal.control.db.Json;
import run.caracal.engine.compile.PolicySetManifest;

/** Policy versions, policy-set versions and activations in the database. Thread-safe. */
public final class PolicyStore {
  private final Jdbc jdbc;

  public PolicyStore(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  public Jdbc jdbc() {
    return jdbc;
  }

  public Optional<PolicyVersion> latestPolicy(Connection c, String zoneId, String name) throws SQLException {
    List<PolicyVersion> rows = Jdbc.query(c, "select * from policy_versions where zone_id = ? and name = ? order by version desc limit 1",
        PolicyStore::mapPolicy, zoneId, name);
    return rows.stream().findFirst();
  }

  public Optional<PolicyVersion> policy(String zoneId, String name, int version) {
    return jdbc.queryOne("select * from policy_versions where zone_id = ? and name = ? and version = ?",
        PolicyStore::mapPolicy, zoneId, name, version);
  }

  public List<PolicyVersion> policies(String zoneId) {
    return jdbc.query("select * from policy_versions where zone_id = ? order by name, version", PolicyStore::mapPolicy, zoneId);
  }

  public void insertPolicy(Connection c, PolicyVersion v) throws SQLException {
    Jdbc.update(c, "insert into policy_versions (zone_id, name, version, sha256, source, created_at, actor) values (?, ?, ?, ?, ?, ?, ?)",
        v.zoneId(), v.name(), v.version(), v.sha256(), v.source(), v.createdAt().toEpochMilli(), v.actor());
  }

  public Optional<PolicySetVersion> latestSet(Connection c, String zoneId, String name) throws SQLException {
    return Jdbc.query(c, "select * from policy_set_versions where zone_id = ? and name = ? order by version desc limit 1",
        PolicyStore::mapSet, zoneId, name).stream().findFirst();
  }

  public Optional<PolicySetVersion> set(String zoneId, String name, int version) {
    return jdbc.queryOne("select * from policy_set_versions where zone_id = ? and name = ? and version = ?",
        PolicyStore::mapSet, zoneId, name, version);
  }

  public Optional<PolicySetVersion> latestSet(String zoneId, String name) {
    return jdbc.transaction(c -> latestSet(c, zoneId, name));
  }

  public List<PolicySetVersion> sets(String zoneId) {
    return jdbc.query("select * from policy_set_versions where zone_id = ? order by name, version", PolicyStore::mapSet, zoneId);
  }

  public void insertSet(Connection c, PolicySetVersion v) throws SQLException {
    Jdbc.update(c, "insert into policy_set_versions (zone_id, name, version, sha256, manifest, created_at, actor) values (?, ?, ?, ?, ?, ?, ?)",
        v.zoneId(), v.name(), v.version(), v.sha256(), Json.write(v.manifest().policies()), v.createdAt().toEpochMilli(), v.actor());
  }

  public void insertActivation(String zoneId, Optional<String> setName, int version, boolean shadow, Instant at, String actor) {
    jdbc.update("insert into activations (zone_id, set_name, set_version, shadow, activated_at, actor) values (?, ?, ?, ?, ?, ?)",
        zoneId, setName.orElse(null), setName.isPresent() ? version : null, shadow, at.toEpochMilli(), actor);
  }

  /** The activation in force (latest non-shadow, or latest shadow). */
  public Optional<Activation> current(String zoneId, boolean shadow) {
    return jdbc.queryOne("select * from activations where zone_id = ? and shadow = ? order by seq desc limit 1",
        PolicyStore::mapActivation, zoneId, shadow).filter(a -> a.setName().isPresent());
  }

  public List<Activation> history(String zoneId) {
    return jdbc.query("select * from activations where zone_id = ? order by seq", PolicyStore::mapActivation, zoneId);
  }

  /** The highest activation sequence of all zones: replicas poll it to notice changes. */
  /** The zones with an activation after {@code seq}. */
  public List<String> zonesActivatedAfter(long seq) {
    return jdbc.query("select distinct zone_id from activations where seq > ?", rs -> rs.getString(1), seq);
  }

  public long lastActivationSeq() {
    return jdbc.queryOne("select coalesce(max(seq), 0) from activations", rs -> rs.getLong(1)).orElse(0L);
  }

  private static PolicyVersion mapPolicy(ResultSet rs) throws SQLException {
    return new PolicyVersion(rs.getString("zone_id"), rs.getString("name"), rs.getInt("version"), rs.getString("sha256"),
        rs.getString("source"), Instant.ofEpochMilli(rs.getLong("created_at")), rs.getString("actor"));
  }

  private static PolicySetVersion mapSet(ResultSet rs) throws SQLException {
    List<PolicySetManifest.PinnedPolicy> pins = Json.read(rs.getString("manifest"),
        new TypeReference<List<PolicySetManifest.PinnedPolicy>>() {});
    return new PolicySetVersion(rs.getString("zone_id"), new PolicySetManifest(rs.getString("name"), rs.getInt("version"), pins),
        rs.getString("sha256"), Instant.ofEpochMilli(rs.getLong("created_at")), rs.getString("actor"));
  }

  private static Activation mapActivation(ResultSet rs) throws SQLException {
    return new Activation(rs.getLong("seq"), rs.getString("zone_id"), Optional.ofNullable(rs.getString("set_name")),
        rs.getInt("set_version"), rs.getBoolean("shadow"), Instant.ofEpochMilli(rs.getLong("activated_at")), rs.getString("actor"));
  }
}
