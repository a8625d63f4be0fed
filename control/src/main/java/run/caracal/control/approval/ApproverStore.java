package run.caracal.control.approval;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import run.caracal.control.ControlException;
import run.caracal.control.audit.AdminAudit;
import run.caracal.control.crypto.ClientSecrets;
import run.caracal.control.db.Ids;
import run.caracal.control.db.Jdbc;
import run.caracal.control.db.Json;
import run.caracal.control.db.StoreException;
import run.caracal.policy.parse.Names;

/**
 * Approvers in the database, with their tokens: `apv_` and 32 random bytes (base64url), shown
 * once when created and stored only as their SHA-256 ({@link ClientSecrets}, as application
 * secrets), so a token is found by its hash. Adding and
 * removing one are ledger events (`approval.approver_added`, `approval.approver_removed`). Thread-safe.
 */
public final class ApproverStore {
  /** The prefix of approver tokens, which secret scanners and the admin API recognise. */
  public static final String TOKEN_PREFIX = "apv_";

  private final Jdbc jdbc;
  private final AdminAudit audit;
  private final Clock clock;

  public ApproverStore(Jdbc jdbc, AdminAudit audit, Clock clock) {
    this.jdbc = jdbc;
    this.audit = audit;
    this.clock = clock;
  }

  /** A new approver with the only copy of their token. */
  public record Issued(Approver approver, String token) {}

  /** How long an approver's token works unless the admin says otherwise. */
  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(90);
  /** The longest an approver's token may work: a person's standing is checked at least yearly. */
  public static final Duration MAX_VALIDITY = Duration.ofDays(366);

  /** {@link #add(String, String, List, Duration, String)} with a token valid {@link #DEFAULT_VALIDITY}. */
  public Issued add(String zoneId, String name, List<String> groups, String actor) {
    return add(zoneId, name, groups, DEFAULT_VALIDITY, actor);
  }

  /**
   * Adds an approver to a zone, their token valid for {@code validFor}.
   *
   * @throws ControlException a malformed name or group, no group, a validity outside 1 s to
   *     {@link #MAX_VALIDITY}, or a name the zone already has
   */
  public Issued add(String zoneId, String name, List<String> groups, Duration validFor, String actor) {
    if (validFor.compareTo(Duration.ofSeconds(1)) < 0 || validFor.compareTo(MAX_VALIDITY) > 0) {
      throw new ControlException(ControlException.Kind.INVALID_REQUEST,
          "an approver's token is valid from 1 second to " + MAX_VALIDITY.toDays() + " days");
    }
    if (name == null || !Names.NAME.matcher(name).matches()) {
      throw new ControlException(ControlException.Kind.INVALID_REQUEST,
          "approver name `" + name + "` must be lowercase letters, digits, `-`, `_` or `.`");
    }
    List<String> distinct = groups.stream().distinct().toList();
    if (distinct.isEmpty()) {
      throw new ControlException(ControlException.Kind.INVALID_REQUEST, "an approver needs at least one group (`--group G`)");
    }
    for (String g : distinct) {
      if (!Names.NAME.matcher(g).matches()) {
        throw new ControlException(ControlException.Kind.INVALID_REQUEST,
            "approver group `" + g + "` must be lowercase letters, digits, `-`, `_` or `.`");
      }
    }
    Instant now = clock.instant();
    Approver approver = new Approver(Ids.newId("apv"), zoneId, name, distinct, now, now.plus(validFor));
    String token = ClientSecrets.generate(TOKEN_PREFIX);
    try {
      audit.change(() -> {
        jdbc.update("insert into approvers (id, zone_id, name, groups_json, token_hash, created_at, expires_at)"
                + " values (?, ?, ?, ?, ?, ?, ?)",
            approver.id(), zoneId, name, Json.write(distinct), ClientSecrets.hash(token), approver.createdAt().toEpochMilli(),
            approver.expiresAt().toEpochMilli());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("approver", name);
        details.put("groups", distinct);
        details.put("expires_at", approver.expiresAt().toString());
        audit.record("approval.approver_added", zoneId, actor, details);
      });
    } catch (StoreException e) {
      if (e.isDuplicate()) {
        throw new ControlException(ControlException.Kind.CONFLICT, "approver `" + name + "` already exists in this zone");
      }
      throw e;
    }
    return new Issued(approver, token);
  }

  /** A zone's approvers by name, or every zone's when {@code zoneId} is empty. */
  public List<Approver> list(Optional<String> zoneId) {
    return zoneId.map(z -> jdbc.query("select * from approvers where zone_id = ? order by name", ApproverStore::map, z))
        .orElseGet(() -> jdbc.query("select * from approvers order by zone_id, name", ApproverStore::map));
  }

  public Optional<Approver> find(String zoneId, String name) {
    return jdbc.queryOne("select * from approvers where zone_id = ? and name = ?", ApproverStore::map, zoneId, name);
  }

  /** Whether {@code approver}'s token no longer works. */
  public boolean expired(Approver approver) {
    return !clock.instant().isBefore(approver.expiresAt());
  }

  /** The approver this token belongs to (expired or not); empty for a token no approver (or a removed one) holds. */
  public Optional<Approver> byToken(String token) {
    if (token == null || !token.startsWith(TOKEN_PREFIX)) {
      return Optional.empty();
    }
    return jdbc.queryOne("select * from approvers where token_hash = ?", ApproverStore::map, ClientSecrets.hash(token));
  }

  /**
   * Removes an approver; their token stops working at once.
   *
   * @throws ControlException when the zone has no approver of that name
   */
  public void remove(String zoneId, String name, String actor) {
    boolean removed = audit.change(() -> {
      if (jdbc.update("delete from approvers where zone_id = ? and name = ?", zoneId, name) == 0) {
        return false;
      }
      audit.record("approval.approver_removed", zoneId, actor, Map.of("approver", name));
      return true;
    });
    if (!removed) {
      throw ControlException.notFound("approver `" + name + "`");
    }
  }

  private static Approver map(ResultSet rs) throws SQLException {
    return new Approver(rs.getString("id"), rs.getString("zone_id"), rs.getString("name"), Json.stringList(rs.getString("groups_json")),
        Instant.ofEpochMilli(rs.getLong("created_at")), Instant.ofEpochMilli(rs.getLong("expires_at")));
  }
}
