package run.caracal.control.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.ds.PGSimpleDataSource;
import run.caracal.control.ControlException;
import run.caracal.control.audit.AdminAudit;
import run.caracal.control.crypto.ClientSecrets;
import run.caracal.control.db.ControlSchema;
import run.caracal.control.db.Jdbc;
import run.caracal.control.keys.TestDatabase;
import run.caracal.control.zone.ZoneStore;
import run.caracal.decision.Reason;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.query.EventFilter;
import run.caracal.ledger.query.PageRequest;

/**
 * Approvers and who may answer an approval, on H2 and on the local PostgreSQL: a token is shown
 * once and only its hash is stored; an approver answers only in their zone and their groups.
 */
class ApproverStoreTest {
  @TempDir Path keys;
  private Ledger ledger;
  private Jdbc jdbc;
  private ApproverStore approvers;
  private ApprovalStore approvals;
  private ApproverAccess access;
  private final TestDatabase.MutableClock clock = new TestDatabase.MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

  @AfterEach
  void close() {
    if (ledger != null) {
      ledger.close();
    }
  }

  private void open(String database) throws SQLException {
    DataSource dataSource;
    if (database.equals("h2")) {
      JdbcDataSource h2 = new JdbcDataSource();
      h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
      h2.setUser("sa");
      dataSource = h2;
    } else {
      String name = "caracal_approvers_" + UUID.randomUUID().toString().replace("-", "");
      try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
          Statement s = c.createStatement()) {
        s.execute("create database " + name);
      }
      PGSimpleDataSource pg = new PGSimpleDataSource();
      pg.setURL("jdbc:postgresql://127.0.0.1:5432/" + name);
      pg.setUser("postgres");
      dataSource = pg;
    }
    ControlSchema.migrate(dataSource);
    ledger = Ledger.open(LedgerConfig.dataSource(dataSource, keys));
    jdbc = new Jdbc(dataSource);
    AdminAudit audit = new AdminAudit(ledger, jdbc);
    approvers = new ApproverStore(jdbc, audit, clock);
    approvals = new ApprovalStore(jdbc, audit, clock);
    access = new ApproverAccess(approvers, approvals);
    TestDatabase.insertZone(jdbc, "zone_prod");
    TestDatabase.insertZone(jdbc, "zone_dev");
  }

  private List<String> events(String type) {
    return ledger.list(EventFilter.all(), PageRequest.first(1000)).events().stream().map(AppendedEvent::event)
        .filter(e -> e.type().equals(type)).map(e -> e.actor() + " " + e.explanation()).toList();
  }

  private Approval held(String zone, String digest, List<String> approvers, List<List<String>> groups) {
    return approvals.hold(new ApprovalStore.Hold(zone, digest, "app_1", Optional.of("ses_1"), "resource://payouts",
        Map.of("method", "POST", "path", "/payouts", "rules", List.of("payouts/large")), Duration.ofMinutes(10), Approval.Reuse.ONCE,
        approvers, "req_" + digest, groups));
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void add_thenFindByToken_findsTheApproverAndStoresOnlyTheHash(String database) throws Exception {
    open(database);

    ApproverStore.Issued issued = approvers.add("zone_prod", "alice", List.of("finance", "finance", "ops"), "admin");

    assertTrue(issued.token().matches("apv_[A-Za-z0-9_-]{43}"), issued.token());
    assertEquals(List.of("finance", "ops"), issued.approver().groups());
    assertEquals("approver:alice", approvers.byToken(issued.token()).orElseThrow().actor());
    assertEquals(Optional.empty(), approvers.byToken(issued.token() + "x"));
    assertEquals(Optional.empty(), approvers.byToken("cs_" + issued.token().substring(4)));
    String stored = jdbc.queryOne("select token_hash from approvers where name = ?", rs -> rs.getString(1), "alice").orElseThrow();
    assertEquals(ClientSecrets.hash(issued.token()), stored);
    assertFalse(stored.contains(issued.token().substring(4)), "the token itself is never stored");
    assertEquals(1, events("approval.approver_added").size());
    assertFalse(events("approval.approver_added").get(0).contains(issued.token()), "nor recorded in the ledger");
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void add_sameNameTwiceOrNoGroup_refused(String database) throws Exception {
    open(database);
    approvers.add("zone_prod", "alice", List.of("finance"), "admin");

    ControlException twice = assertThrows(ControlException.class, () -> approvers.add("zone_prod", "alice", List.of("ops"), "admin"));
    ControlException noGroup = assertThrows(ControlException.class, () -> approvers.add("zone_prod", "bob", List.of(), "admin"));
    ControlException badGroup = assertThrows(ControlException.class, () -> approvers.add("zone_prod", "bob", List.of("Fin Ance"), "admin"));
    approvers.add("zone_dev", "alice", List.of("finance"), "admin");

    assertEquals(ControlException.Kind.CONFLICT, twice.kind());
    assertEquals(ControlException.Kind.INVALID_REQUEST, noGroup.kind());
    assertEquals(ControlException.Kind.INVALID_REQUEST, badGroup.kind());
    assertEquals(List.of("alice"), approvers.list(Optional.of("zone_dev")).stream().map(Approver::name).toList());
    assertEquals(2, approvers.list(Optional.empty()).size());
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void remove_theTokenStopsWorkingAtOnce(String database) throws Exception {
    open(database);
    String token = approvers.add("zone_prod", "alice", List.of("finance"), "admin").token();

    approvers.remove("zone_prod", "alice", "admin");

    assertEquals(Optional.empty(), approvers.byToken(token));
    ApprovalAccessException refused = assertThrows(ApprovalAccessException.class, () -> access.approver("Bearer " + token));
    assertEquals(Reason.APPROVER_TOKEN_INVALID, refused.reason());
    assertEquals(ControlException.Kind.NOT_FOUND,
        assertThrows(ControlException.class, () -> approvers.remove("zone_prod", "alice", "admin")).kind());
    assertEquals(1, events("approval.approver_removed").size());
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void token_worksUntilItsValidityEnds_thenIsExpired(String database) throws Exception {
    open(database);
    ApproverStore.Issued issued = approvers.add("zone_prod", "alice", List.of("finance"), Duration.ofHours(12), "admin");
    String standard = approvers.add("zone_prod", "bob", List.of("finance"), "admin").token();

    assertEquals(clock.instant().plus(Duration.ofHours(12)), issued.approver().expiresAt());
    assertEquals(issued.approver().expiresAt(), approvers.byToken(issued.token()).orElseThrow().expiresAt(), "stored");
    assertEquals("approver:alice", access.approver("Bearer " + issued.token()).actor());
    clock.advance(Duration.ofHours(12));
    ApprovalAccessException expired = assertThrows(ApprovalAccessException.class, () -> access.approver("Bearer " + issued.token()));
    assertEquals(Reason.APPROVER_TOKEN_EXPIRED, expired.reason());
    assertEquals("approver:bob", access.approver("Bearer " + standard).actor(), "the default is 90 days");
    clock.advance(ApproverStore.DEFAULT_VALIDITY);
    assertEquals(Reason.APPROVER_TOKEN_EXPIRED,
        assertThrows(ApprovalAccessException.class, () -> access.approver("Bearer " + standard)).reason());
    for (Duration outside : List.of(Duration.ZERO, ApproverStore.MAX_VALIDITY.plusSeconds(1))) {
      assertEquals(ControlException.Kind.INVALID_REQUEST, assertThrows(ControlException.class,
          () -> approvers.add("zone_prod", "carol", List.of("finance"), outside, "admin")).kind());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void decide_approverInTheRulesGroup_recordsTheApproverAsActor(String database) throws Exception {
    open(database);
    String token = approvers.add("zone_prod", "alice", List.of("finance"), "admin").token();
    Approval a = held("zone_prod", "d1", List.of("finance"), List.of(List.of("finance")));

    Approval approved = access.decide(access.approver("Bearer " + token), a.id(), true, Optional.of("ok"));

    assertEquals(Approval.State.APPROVED, approved.state());
    assertEquals(Optional.of("approver:alice"), approved.decidedBy());
    assertEquals(List.of(List.of("finance")), approved.approverGroups());
    assertTrue(events("approval.approved").get(0).startsWith("approver:alice "), events("approval.approved")::toString);
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void decide_outsideTheZoneOrGroups_refusedWithTheirReasons(String database) throws Exception {
    open(database);
    String ops = approvers.add("zone_prod", "olga", List.of("ops"), "admin").token();
    String finance = approvers.add("zone_prod", "fred", List.of("finance"), "admin").token();
    String dev = approvers.add("zone_dev", "dora", List.of("finance"), "admin").token();
    Approval bothRules = held("zone_prod", "d2", List.of("finance", "ops"), List.of(List.of("finance"), List.of("ops")));
    Approval anyone = held("zone_prod", "d3", List.of(), List.of());

    ApprovalAccessException notInGroup = assertThrows(ApprovalAccessException.class,
        () -> access.decide(access.approver("Bearer " + ops), bothRules.id(), true, Optional.empty()));
    ApprovalAccessException notInZone = assertThrows(ApprovalAccessException.class,
        () -> access.decide(access.approver("Bearer " + dev), anyone.id(), true, Optional.empty()));
    ApprovalAccessException listOtherZone = assertThrows(ApprovalAccessException.class,
        () -> access.list(access.approver("Bearer " + dev), "zone_prod", Optional.empty(), 10));

    assertEquals(Reason.APPROVER_NOT_IN_GROUP, notInGroup.reason());
    assertTrue(notInGroup.getMessage().contains("finance and ops"), notInGroup.getMessage());
    assertEquals(Reason.APPROVER_NOT_IN_ZONE, notInZone.reason());
    assertEquals(Reason.APPROVER_NOT_IN_ZONE, listOtherZone.reason());
    assertEquals(Approval.State.PENDING, approvals.find(bothRules.id()).orElseThrow().state(), "a refusal changes nothing");
    assertEquals(Approval.State.DENIED,
        access.decide(access.approver("Bearer " + finance), anyone.id(), false, Optional.empty()).state(), "no groups: any approver");
    assertEquals(2, access.list(access.approver("Bearer " + ops), "zone_prod", Optional.empty(), 10).size());
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void approver_applicationCredentialsOrUnknownTokens_refused(String database) throws Exception {
    open(database);

    Map<String, Reason> refusals = new LinkedHashMap<>();
    for (String header : List.of("Basic YXBwXzE6Y3Nfc2VjcmV0", "Bearer cs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhcHAifQ.c2ln", "Bearer apv_unknown", "Bearer something-else", "")) {
      refusals.put(header, assertThrows(ApprovalAccessException.class, () -> access.approver(header)).reason());
    }

    assertEquals(List.of(Reason.APP_CREDENTIAL_CANNOT_APPROVE, Reason.APP_CREDENTIAL_CANNOT_APPROVE,
        Reason.APP_CREDENTIAL_CANNOT_APPROVE, Reason.APPROVER_TOKEN_INVALID, Reason.APPROVER_TOKEN_INVALID,
        Reason.APPROVER_TOKEN_INVALID), List.copyOf(refusals.values()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void zoneWebhook_setReadAndCleared_andZoneDeleteRemovesItsApprovers(String database) throws Exception {
    open(database);
    ZoneStore zones = new ZoneStore(jdbc);
    approvers.add("zone_dev", "dora", List.of("finance"), "admin");

    zones.setApprovalWebhook("zone_prod", Optional.of("https://hooks.example.com/caracal"));
    Optional<String> set = zones.approvalWebhook("zone_prod");
    zones.setApprovalWebhook("zone_prod", Optional.empty());
    zones.delete("zone_dev");

    assertEquals(Optional.of("https://hooks.example.com/caracal"), set);
    assertEquals(Optional.empty(), zones.approvalWebhook("zone_prod"));
    assertEquals(List.of(), approvers.list(Optional.of("zone_dev")));
  }
}
