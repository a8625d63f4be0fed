package run.caracal.control.resource;

import com.fasterxml.jackson.core.type.TypeReference;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import run.caracal.control.cache.ShortCache;
import run.caracal.control.crypto.SecretBox;
import run.caracal.control.pipeline.ResourceReads;
import run.caracal.control.db.Jdbc;
import run.caracal.control.db.Json;

/** Resources in the database; upstream credentials are sealed with the master key. Thread-safe. */
public final class ResourceStore implements ResourceReads {
  private final Jdbc jdbc;
  private final SecretBox box;
  private final ShortCache<String, ResourceBinding> bindings = ShortCache.oneSecond();
  private final ShortCache<String, String> credentials = ShortCache.oneSecond();

  public ResourceStore(Jdbc jdbc, SecretBox box) {
    this.jdbc = jdbc;
    this.box = box;
  }

  public void upsert(ResourceBinding r, Optional<String> credential, boolean keepCredential) {
    jdbc.transaction(c -> {
      Optional<String> sealed = credential.map(v -> box.seal(v, aad(r.zoneId(), r.id())));
      String body = r.bodyInspection().map(Json::write).orElse(null);
      String mcp = r.mcp().map(Json::write).orElse(null);
      int updated = Jdbc.update(c, "update resources set scopes = ?, labels = ?, attributes = ?, upstream = ?, operations = ?, body_inspection = ?, mcp = ?, updated_at = ?"
              + (keepCredential ? "" : ", upstream_credential = ?") + " where zone_id = ? and id = ?",
          keepCredential
              ? new Object[] {Json.write(r.scopes()), Json.write(r.labels()), Json.write(r.attributes()), r.upstream().orElse(null),
                  Json.write(r.operations()), body, mcp, r.updatedAt().toEpochMilli(), r.zoneId(), r.id()}
              : new Object[] {Json.write(r.scopes()), Json.write(r.labels()), Json.write(r.attributes()), r.upstream().orElse(null),
                  Json.write(r.operations()), body, mcp, r.updatedAt().toEpochMilli(), sealed.orElse(null), r.zoneId(), r.id()});
      if (updated == 0) {
        Jdbc.update(c, "insert into resources (zone_id, id, scopes, labels, attributes, upstream, operations, body_inspection, mcp, upstream_credential, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            r.zoneId(), r.id(), Json.write(r.scopes()), Json.write(r.labels()), Json.write(r.attributes()), r.upstream().orElse(null),
            Json.write(r.operations()), body, mcp, sealed.orElse(null), r.createdAt().toEpochMilli(), r.updatedAt().toEpochMilli());
      }
      return null;
    });
    invalidate(r.zoneId(), r.id());
  }

  public List<ResourceBinding> list(String zoneId) {
    return jdbc.query("select * from resources where zone_id = ? order by id", ResourceStore::map, zoneId);
  }

  public List<ResourceBinding> all() {
    return jdbc.query("select * from resources order by zone_id, id", ResourceStore::map);
  }

  /** A binding (read through a one-second cache; this process's own changes are seen at once). */
  @Override
  public Optional<ResourceBinding> find(String zoneId, String id) {
    return bindings.get(zoneId + " " + id,
        k -> jdbc.queryOne("select * from resources where zone_id = ? and id = ?", ResourceStore::map, zoneId, id));
  }

  /** The decrypted upstream credential, for the Gateway only. */
  @Override
  public Optional<String> credential(String zoneId, String id) {
    return credentials.get(zoneId + " " + id, k -> jdbc.queryOne("select upstream_credential from resources where zone_id = ? and id = ?",
        rs -> Optional.ofNullable(rs.getString(1)), zoneId, id).flatMap(v -> v).map(v -> box.open(v, aad(zoneId, id))));
  }

  private void invalidate(String zoneId, String id) {
    bindings.invalidate(zoneId + " " + id);
    credentials.invalidate(zoneId + " " + id);
  }

  public boolean delete(String zoneId, String id) {
    boolean deleted = jdbc.update("delete from resources where zone_id = ? and id = ?", zoneId, id) > 0;
    invalidate(zoneId, id);
    return deleted;
  }

  private static String aad(String zoneId, String id) {
    return "resource-credential:" + zoneId + ":" + id;
  }

  private static ResourceBinding map(ResultSet rs) throws SQLException {
    return new ResourceBinding(rs.getString("zone_id"), rs.getString("id"), Json.stringList(rs.getString("scopes")),
        Json.stringList(rs.getString("labels")), Json.stringMap(rs.getString("attributes")),
        Optional.ofNullable(rs.getString("upstream")),
        Json.read(rs.getString("operations"), new TypeReference<List<ResourceBinding.Operation>>() {}),
        Optional.ofNullable(rs.getString("body_inspection")).map(j -> Json.read(j, ResourceBinding.BodyInspection.class)),
        Optional.ofNullable(rs.getString("mcp")).map(j -> Json.read(j, ResourceBinding.Mcp.class)),
        rs.getString("upstream_credential") != null,
        Instant.ofEpochMilli(rs.getLong("created_at")), Instant.ofEpochMilli(rs.getLong("updated_at")));
  }
}
