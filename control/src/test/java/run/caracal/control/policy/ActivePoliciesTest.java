package run.caracal.control.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.control.ControlPlane;
import run.caracal.control.crypto.SecretBox;
import run.caracal.control.db.ControlSchema;
import run.caracal.control.db.Jdbc;
import run.caracal.control.zone.Zone;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;
import run.caracal.policy.source.SourceFile;

/**
 * Two control planes on one database, as two processes: an activation in one is compiled into the
 * other's sets off the request path, for that zone only; requests before the swap keep the old set.
 */
class ActivePoliciesTest {
  private static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: p}
      spec:
        resources: ["resource://api"]
        rules:
          - {name: reads, effect: allow, scopes: ["read"]}
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: production}
      spec: {policies: [p]}
      """;

  @TempDir Path keys;
  private Ledger ledger;

  @AfterEach
  void close() {
    ledger.close();
  }

  @Test
  void anActivationElsewhere_recompilesThatZoneOnly_andRequestsKeepTheOldSetUntilTheSwap() {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    h2.setUser("sa");
    ControlSchema.migrate(h2);
    ledger = Ledger.open(LedgerConfig.dataSource(h2, keys));
    SecretBox box = SecretBox.withKey(new byte[32]);
    ControlPlane here = new ControlPlane(new Jdbc(h2), box, ledger, Clock.systemUTC());
    ControlPlane elsewhere = new ControlPlane(new Jdbc(h2), box, ledger, Clock.systemUTC());
    Zone a = here.createZone("a", "test");
    Zone b = here.createZone("b", "test");
    for (Zone z : List.of(a, b)) {
      here.policies().push(z.id(), List.of(new SourceFile("p.yaml", POLICY)), "test");
      here.policies().activate(z.id(), "production", Optional.empty(), false, "test");
    }
    elsewhere.active().refreshIfChanged(); // the first look
    ZonePolicies aBefore = elsewhere.active().forZone(a.id());
    ZonePolicies bBefore = elsewhere.active().forZone(b.id());
    assertEquals(1, aBefore.active().orElseThrow().ref().version());

    here.policies().push(a.id(), List.of(new SourceFile("p.yaml", POLICY.replace("\"read\"", "\"read\", \"write\""))), "test");
    here.policies().activate(a.id(), "production", Optional.empty(), false, "test");

    assertSame(aBefore, elsewhere.active().forZone(a.id()), "until the refresh, requests decide with the old set");
    assertEquals(true, elsewhere.active().refreshIfChanged());
    assertEquals(2, elsewhere.active().forZone(a.id()).active().orElseThrow().ref().version(), "zone a swapped");
    assertSame(bBefore, elsewhere.active().forZone(b.id()), "zone b was not recompiled");
    assertEquals(false, elsewhere.active().refreshIfChanged());

    here.policies().activate(b.id(), "production", Optional.of(1), true, "test");
    elsewhere.active().changed(b.id()); // a change notification
    assertEquals(1, elsewhere.active().forZone(b.id()).shadow().orElseThrow().ref().version());
  }
}
