package run.caracal.control.approval;

import com.fasterxml.jackson.core.type.TypeReference;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import run.caracal.control.ControlException;
import run.caracal.control.audit.AdminAudit;
import run.caracal.control.db.Ids;
import run.caracal.control.db.Jdbc;
import run.caracal.control.db.Json;
import run.caracal.control.db.StoreException;

/**
 * Approvals in the database, one open approval per zone and request digest. Every change and its
 * ledger event (`approval.requested`, `.approved`, `.denied`, `.expired`, `.used`, with the actor)
 * commit together. An approval expires lazily: the first read after its time marks it. Thread-safe.
 */
public final class ApprovalStore {
  private final Jdbc jdbc;
  private final AdminAudit audit;
  private final Clock clock;
  private final Consumer<Approval> requested;

  public ApprovalStore(Jdbc jdbc, AdminAudit audit, Clock clock) {
    this(jdbc, audit, clock, a -> {});
  }

  /**
   * @param requested told of each new pending approval after it is committed (on the caller's
   *     thread: it must return at once, as {@link ApprovalWebhook} does)
   */
  public ApprovalStore(Jdbc jdbc, AdminAudit audit, Clock clock, Consumer<Approval> requested) {
    this.jdbc = jdbc;
    this.audit = audit;
    this.clock = clock;
    this.requested = requested;
  }

  /**
   * What a held request asks for: the approval to open when none is open for its digest.
   *
   * @param approvers every group the holding rules name
   * @param approverGroups the groups of each holding rule that names groups
   */
  public record Hold(String zoneId, String digest, String appId, Optional<String> sessionId, String resource,
      Map<String, Object> summary, Duration ttl, Approval.Reuse reuse, List<String> approvers, String requestId,
      List<List<String>> approverGroups) {
    /** A hold whose rules' groups are not told apart: an approver in any of {@code approvers} may answer. */
    public Hold(String zoneId, String digest, String appId, Optional<String> sessionId, String resource, Map<String, Object> summary,
        Duration ttl, Approval.Reuse reuse, List<String> approvers, String requestId) {
      this(zoneId, digest, appId, sessionId, resource, summary, ttl, reuse, approvers, requestId, List.of());
    }
  }

  /**
   * The open approval of this request's digest (pending, approved, or denied), or a new pending
   * one. Identical requests while one is open share it.
   */
  public Approval hold(Hold h) {
    Optional<Approval> open = open(h.zoneId(), h.digest());
    if (open.isPresent()) {
      return open.get();
    }
    Instant now = clock.instant();
    String id = Ids.newId("apr");
    try {
      audit.change(() -> {
        jdbc.update("insert into approvals (id, zone_id, digest, open_digest, state, app_id, session_id, resource, summary, ttl_seconds,"
                + " reuse, approvers, request_id, requested_at, expires_at, approver_groups)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            id, h.zoneId(), h.digest(), h.digest(), Approval.State.PENDING.id(), h.appId(), h.sessionId().orElse(null), h.resource(),
            Json.write(h.summary()), h.ttl().toSeconds(), h.reuse().id(), Json.write(h.approvers()), h.requestId(),
            now.toEpochMilli(), now.plus(Approval.PENDING_FOR).toEpochMilli(), Json.write(h.approverGroups()));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("approval_id", id);
        details.put("request_id", h.requestId());
        details.put("resource", h.resource());
        details.put("summary", h.summary());
        audit.record("approval.requested", h.zoneId(), h.appId(), details);
      });
    } catch (StoreException e) {
      if (e.isDuplicate()) { // an identical request opened it first
        return open(h.zoneId(), h.digest()).orElseThrow(() -> e);
      }
      throw e;
    }
    Approval opened = find(id).orElseThrow();
    requested.accept(opened);
    return opened;
  }

  /** The open approval of a digest, after expiring it when its time has passed. */
  public Optional<Approval> open(String zoneId, String digest) {
    Optional<Approval> a = jdbc.queryOne("select * from approvals where zone_id = ? and open_digest = ?", ApprovalStore::map,
        zoneId, digest);
    return a.map(this::expireIfDue).filter(x -> x.state() != Approval.State.EXPIRED);
  }

  /**
   * Claims an approved, unexpired approval of this digest for one request: a `once` approval
   * becomes used (atomically: of identical concurrent requests one gets it), an `until_expiry`
   * one stays approved. Empty when none is approved for it.
   */
  public Optional<Approval> claim(String zoneId, String digest, String requestId, String actor) {
    Optional<Approval> open = open(zoneId, digest).filter(a -> a.state() == Approval.State.APPROVED);
    if (open.isEmpty()) {
      return Optional.empty();
    }
    Approval a = open.get();
    boolean claimed = audit.change(() -> {
      if (a.reuse() == Approval.Reuse.ONCE
          && jdbc.update("update approvals set state = ?, open_digest = null where id = ? and state = ?", Approval.State.USED.id(), a.id(),
              Approval.State.APPROVED.id()) == 0) {
        return false;
      }
      audit.record("approval.used", zoneId, actor, Map.of("approval_id", a.id(), "request_id", requestId));
      return true;
    });
    return claimed ? find(a.id()) : Optional.empty();
  }

  /**
   * An approver's answer to a pending approval: approved (usable for its ttl from now) or denied.
   *
   * @throws ControlException not found, or a conflict when it is no longer pending
   */
  public Approval decide(String id, boolean approve, String approver, Optional<String> comment) {
    Approval a = find(id).orElseThrow(() -> ControlException.notFound("approval `" + id + "`"));
    if (a.state() != Approval.State.PENDING) {
      throw new ControlException(ControlException.Kind.CONFLICT, "approval `" + id + "` is " + a.state().id() + ", not pending");
    }
    Instant now = clock.instant();
    Approval.State to = approve ? Approval.State.APPROVED : Approval.State.DENIED;
    long expires = approve ? now.plus(a.ttl()).toEpochMilli() : a.expiresAt().toEpochMilli();
    boolean done = audit.change(() -> {
      if (jdbc.update("update approvals set state = ?, decided_at = ?, decided_by = ?, comment = ?, expires_at = ? where id = ? and state = ?",
          to.id(), now.toEpochMilli(), approver, comment.orElse(null), expires, id, Approval.State.PENDING.id()) == 0) {
        return false;
      }
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("approval_id", id);
      details.put("request_id", a.requestId());
      comment.ifPresent(c -> details.put("comment", c));
      audit.record(approve ? "approval.approved" : "approval.denied", a.zoneId(), approver, details);
      return true;
    });
    if (!done) {
      throw new ControlException(ControlException.Kind.CONFLICT, "approval `" + id + "` was decided meanwhile");
    }
    return find(id).orElseThrow();
  }

  public Optional<Approval> find(String id) {
    return jdbc.queryOne("select * from approvals where id = ?", ApprovalStore::map, id).map(this::expireIfDue);
  }

  /** The approvals the request with this id opened (at most one per zone), oldest first. */
  public List<Approval> ofRequest(String requestId) {
    return jdbc.query("select * from approvals where request_id = ? order by requested_at, id", ApprovalStore::map, requestId).stream()
        .map(this::expireIfDue).toList();
  }

  /** A zone's approvals, newest first, optionally in one state. */
  public List<Approval> list(String zoneId, Optional<Approval.State> state, int limit) {
    List<Approval> out = new ArrayList<>();
    for (Approval a : jdbc.query("select * from approvals where zone_id = ? order by requested_at desc, id limit ?", ApprovalStore::map,
        zoneId, limit)) {
      Approval current = expireIfDue(a);
      if (state.isEmpty() || current.state() == state.get()) {
        out.add(current);
      }
    }
    return out;
  }

  private Approval expireIfDue(Approval a) {
    boolean live = a.state() == Approval.State.PENDING || a.state() == Approval.State.APPROVED || a.state() == Approval.State.DENIED;
    if (!live || clock.instant().isBefore(a.expiresAt())) {
      return a;
    }
    Approval.State to = a.state() == Approval.State.DENIED ? Approval.State.DENIED : Approval.State.EXPIRED;
    audit.change(() -> {
      if (jdbc.update("update approvals set state = ?, open_digest = null where id = ? and state = ?", to.id(), a.id(),
          a.state().id()) > 0 && to == Approval.State.EXPIRED) {
        audit.record("approval.expired", a.zoneId(), "caracal", Map.of("approval_id", a.id(), "request_id", a.requestId()));
      }
    });
    return find(a.id()).orElse(a);
  }

  private static Approval map(ResultSet rs) throws SQLException {
    return new Approval(rs.getString("id"), rs.getString("zone_id"), rs.getString("digest"),
        Approval.State.fromId(rs.getString("state")).orElse(Approval.State.EXPIRED), rs.getString("app_id"),
        Optional.ofNullable(rs.getString("session_id")), rs.getString("resource"),
        Json.read(rs.getString("summary"), new TypeReference<Map<String, Object>>() {}), Duration.ofSeconds(rs.getLong("ttl_seconds")),
        rs.getString("reuse").equals("until_expiry") ? Approval.Reuse.UNTIL_EXPIRY : Approval.Reuse.ONCE,
        Json.stringList(rs.getString("approvers")), rs.getString("request_id"), Instant.ofEpochMilli(rs.getLong("requested_at")),
        Instant.ofEpochMilli(rs.getLong("expires_at")), Jdbc.optionalLong(rs, "decided_at").map(Instant::ofEpochMilli),
        Optional.ofNullable(rs.getString("decided_by")), Optional.ofNullable(rs.getString("comment")), groups(rs.getString("approver_groups")));
  }

  private static List<List<String>> groups(String json) {
    return json == null || json.isBlank() ? List.of() : Json.read(json, new TypeReference<List<List<String>>>() {});
  }
}
