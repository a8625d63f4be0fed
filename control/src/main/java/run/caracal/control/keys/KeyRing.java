package run.caracal.control.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import run.caracal.control.crypto.SecretBox;
import run.caracal.control.db.Ids;
import run.caracal.control.db.Jdbc;

/**
 * The zones' signing keys: Ed25519, private halves sealed with the master key in the database.
 * Each zone has a current key (signs), a next key (published ahead so verifiers have it before
 * it signs), and retired keys kept until the tokens they signed have expired. Decrypted keys are
 * cached per kid; {@link #refresh()} drops the cache after a rotation elsewhere. Thread-safe.
 */
public final class KeyRing {
  private final Jdbc jdbc;
  private final SecretBox box;
  private final Clock clock;
  private final Map<String, SigningKey> byKid = new ConcurrentHashMap<>();
  private final Map<String, String> currentKid = new ConcurrentHashMap<>();

  public KeyRing(Jdbc jdbc, SecretBox box, Clock clock) {
    this.jdbc = jdbc;
    this.box = box;
    this.clock = clock;
  }

  /** Creates the current and next keys of a zone that has none. */
  public void ensure(String zoneId) {
    jdbc.transaction(c -> {
      List<String> existing = Jdbc.query(c, "select kid from signing_keys where zone_id = ? and status = ?",
          rs -> rs.getString(1), zoneId, KeyStatus.CURRENT.id());
      if (existing.isEmpty()) {
        insert(c, zoneId, KeyStatus.CURRENT);
        insert(c, zoneId, KeyStatus.NEXT);
      }
      return null;
    });
  }

  /** The key that signs for a zone now. */
  public SigningKey current(String zoneId) {
    String kid = currentKid.get(zoneId);
    if (kid != null && byKid.containsKey(kid)) {
      return byKid.get(kid);
    }
    SigningKey key = jdbc.queryOne("select * from signing_keys where zone_id = ? and status = ?", this::map, zoneId, KeyStatus.CURRENT.id())
        .orElseThrow(() -> new IllegalStateException("zone `" + zoneId + "` has no signing key"));
    byKid.put(key.kid(), key);
    currentKid.put(zoneId, key.kid());
    return key;
  }

  /** A published key by kid (current, next, or retired but not yet past its retirement). */
  public Optional<SigningKey> find(String kid) {
    SigningKey cached = byKid.get(kid);
    if (cached != null) {
      return Optional.of(cached).filter(this::published);
    }
    Optional<SigningKey> key = jdbc.queryOne("select * from signing_keys where kid = ?", this::map, kid);
    key.ifPresent(k -> byKid.put(k.kid(), k));
    return key.filter(this::published);
  }

  /** Every published key of every zone, for JWKS. */
  public List<SigningKey> published() {
    return jdbc.query("select * from signing_keys order by zone_id, created_at", this::map).stream().filter(this::published).toList();
  }

  /**
   * Rotates a zone: next becomes current, current retires (kept until {@code keepOldFor} has
   * passed), and a new next key is made.
   */
  public void rotate(String zoneId, Duration keepOldFor) {
    Instant now = clock.instant();
    jdbc.transaction(c -> {
      Jdbc.update(c, "update signing_keys set status = ?, retire_after = ? where zone_id = ? and status = ?",
          KeyStatus.RETIRED.id(), now.plus(keepOldFor).toEpochMilli(), zoneId, KeyStatus.CURRENT.id());
      int promoted = Jdbc.update(c, "update signing_keys set status = ? where zone_id = ? and status = ?",
          KeyStatus.CURRENT.id(), zoneId, KeyStatus.NEXT.id());
      if (promoted == 0) {
        insert(c, zoneId, KeyStatus.CURRENT);
      }
      insert(c, zoneId, KeyStatus.NEXT);
      return null;
    });
    refresh();
  }

  /** Forgets cached keys so the next read sees rotations made by other processes. */
  public void refresh() {
    byKid.clear();
    currentKid.clear();
  }

  private boolean published(SigningKey k) {
    return k.status() != KeyStatus.RETIRED || k.retireAfter().map(t -> t.isAfter(clock.instant())).orElse(false);
  }

  private void insert(Connection c, String zoneId, KeyStatus status) throws SQLException {
    String kid = zoneId + "." + Ids.newId("key").substring(4, 16);
    OctetKeyPair jwk;
    try {
      jwk = new OctetKeyPairGenerator(Curve.Ed25519).keyID(kid).keyUse(KeyUse.SIGNATURE)
          .algorithm(JWSAlgorithm.EdDSA).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate an ed25519 key", e);
    }
    Jdbc.update(c, "insert into signing_keys (kid, zone_id, alg, status, private_jwk, public_jwk, created_at) values (?, ?, ?, ?, ?, ?, ?)",
        kid, zoneId, SigningKey.ALG, status.id(), box.seal(jwk.toJSONString(), "signing-key:" + kid),
        jwk.toPublicJWK().toJSONString(), clock.instant().toEpochMilli());
  }

  private SigningKey map(ResultSet rs) throws SQLException {
    String kid = rs.getString("kid");
    try {
      OctetKeyPair jwk = OctetKeyPair.parse(box.open(rs.getString("private_jwk"), "signing-key:" + kid));
      return new SigningKey(kid, rs.getString("zone_id"), KeyStatus.fromId(rs.getString("status")), jwk,
          Instant.ofEpochMilli(rs.getLong("created_at")), Jdbc.optionalLong(rs, "retire_after").map(Instant::ofEpochMilli));
    } catch (ParseException e) {
      throw new IllegalStateException("stored key `" + kid + "` cannot be read", e);
    }
  }
}
