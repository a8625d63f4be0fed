package run.caracal.sts.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.control.app.Application;
import run.caracal.control.crypto.SecretBox;
import run.caracal.control.db.ControlSchema;
import run.caracal.control.db.Jdbc;
import run.caracal.control.keys.KeyRing;
import run.caracal.control.metrics.CaracalMetrics;
import run.caracal.control.pipeline.DecisionPipeline;
import run.caracal.control.pipeline.memory.MemoryDecisionLog;
import run.caracal.control.pipeline.memory.MemoryReads;
import run.caracal.control.pipeline.memory.SampleSets;
import run.caracal.control.policy.ZonePolicies;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.control.session.SessionStore;
import run.caracal.control.token.TokenVerifier;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.InputMasker;
import run.caracal.decision.Stage;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.RuleEvaluation;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;
import run.caracal.sts.OAuthException;
import run.caracal.sts.RequestContext;
import run.caracal.sts.session.OpenedSession;
import run.caracal.sts.session.SessionRequest;
import run.caracal.sts.session.SessionService;

/**
 * Token issue without a server: sessions, keys and the session ledger on in-memory H2; apps,
 * resources and policies as in-memory ports; decision records in a list. Side effects follow
 * the decision: a refused `client_credentials` request leaves no session behind.
 */
class TokenServiceTest {
  private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
  private static final String ISSUER = "http://127.0.0.1:7070";
  private static final String ZONE = "zone_1";
  private static final String API = "resource://api";
  private static final RequestContext CTX = new RequestContext("req_1", "trace_1", "127.0.0.1");

  @TempDir Path keyDir;
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final MemoryReads reads = new MemoryReads();
  private final MemoryDecisionLog log = new MemoryDecisionLog();
  private final Application app = new Application("app_1", ZONE, "agent", List.of(), Map.of(), true, NOW);
  private SessionStore store;
  private Ledger ledger;
  private SessionService sessions;
  private TokenService tokens;

  @BeforeEach
  void setUp() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    ControlSchema.migrate(ds);
    Jdbc jdbc = new Jdbc(ds);
    jdbc.update("insert into zones (id, name, created_at) values (?, ?, ?)", ZONE, "one", 0L);
    jdbc.update("insert into apps (id, zone_id, name, labels, attributes, enabled, secret_hash, created_at)"
        + " values (?, ?, ?, '[]', '{}', true, 'x', 0)", app.id(), ZONE, app.name());
    KeyRing keys = new KeyRing(jdbc, SecretBox.withKey(new byte[32]), clock);
    keys.ensure(ZONE);
    store = new SessionStore(jdbc);
    ledger = Ledger.open(LedgerConfig.dataSource(ds, keyDir));
    TokenMinter minter = new TokenMinter(keys, ISSUER);
    TokenVerifier verifier = new TokenVerifier(keys, ISSUER, clock, Lifetimes.DEFAULTS.clockSkew());
    sessions = new SessionService(store, ledger, minter, verifier, Lifetimes.DEFAULTS, clock);
    DecisionPipeline pipeline = new DecisionPipeline(store, reads.apps(), reads, log, new InputMasker(List.of(), new byte[32]), clock,
        new CaracalMetrics());
    tokens = new TokenService(pipeline, reads, new CaracalMetrics(), sessions, minter, Lifetimes.DEFAULTS, clock);
    reads.put(app).put(new ResourceBinding(ZONE, API, List.of("read", "write"), List.of(), Map.of(), Optional.empty(), List.of(),
        Optional.empty(), Optional.empty(), false, NOW, NOW)).put(new ZonePolicies(ZONE, Optional.of(set()), Optional.empty()));
  }

  @AfterEach
  void close() {
    ledger.close();
  }

  private static CompiledPolicySet set() {
    return SampleSets.set("prod", """
        - {name: reads, effect: allow, scopes: [read]}
        - {name: writes, effect: allow, scopes: [write], when: "delegation.depth == 0"}
        - {name: reads-need-a-person, effect: require_approval, scopes: [read]}
        """);
  }


  private static TokenRequest clientCredentials(String scope) {
    return new TokenRequest(TokenTypes.GRANT_CLIENT_CREDENTIALS, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        List.of(API), List.of(scope), Optional.empty(), Optional.empty());
  }

  private static TokenRequest exchange(String sessionToken, String scope) {
    return new TokenRequest(TokenTypes.GRANT_TOKEN_EXCHANGE, Optional.of(sessionToken), Optional.of(TokenTypes.URN_JWT), Optional.empty(),
        Optional.empty(), List.of(API), List.of(scope), Optional.empty(), Optional.empty());
  }

  private int sessionRows() {
    return store.list(ZONE, false, NOW, 100).size();
  }

  @Test
  void clientCredentials_allowed_storesItsOneShotSessionAfterTheRecord() {
    IssuedToken t = tokens.issue(app, clientCredentials("read"), CTX);

    assertEquals(List.of("read"), t.scopes());
    assertTrue(store.find(t.sessionId()).orElseThrow().oneShot());
    DecisionRecord r = log.last();
    assertTrue(r.allowed());
    assertTrue(r.session().orElseThrow().oneShot());
  }

  @Test
  void clientCredentials_forTheMcpUrlOfAnMcpResource_isForThatResource() throws Exception {
    reads.put(new ResourceBinding(ZONE, API, List.of("read", "write"), List.of(), Map.of(), Optional.empty(), List.of(),
        Optional.empty(), Optional.of(new ResourceBinding.Mcp(List.of(), List.of(), 0)), false, NOW, NOW));
    TokenRequest byUrl = new TokenRequest(TokenTypes.GRANT_CLIENT_CREDENTIALS, Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), List.of("http://127.0.0.1:8080/mcp/api"), List.of("read"), Optional.empty(), Optional.empty());

    IssuedToken t = tokens.issue(app, byUrl, CTX);

    assertEquals(List.of(API), SignedJWT.parse(t.accessToken()).getJWTClaimsSet().getAudience());
    assertEquals(API, log.last().resource());
  }

  @Test
  void clientCredentials_forTheMcpUrlOfAPlainResource_isNotAnAlias() {
    TokenRequest byUrl = new TokenRequest(TokenTypes.GRANT_CLIENT_CREDENTIALS, Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), List.of("http://127.0.0.1:8080/mcp/api"), List.of("read"), Optional.empty(), Optional.empty());

    assertThrows(OAuthException.class, () -> tokens.issue(app, byUrl, CTX));
    assertEquals("http://127.0.0.1:8080/mcp/api", log.last().resource());
  }

  @Test
  void clientCredentials_requireApprovalRuleHolds_tokenIssuedAndApprovalLeftToTheGateway() {
    IssuedToken t = tokens.issue(app, clientCredentials("read"), CTX);

    assertEquals(List.of("read"), t.scopes());
    Decision d = log.last().decision().orElseThrow();
    assertEquals("allow", d.verdict().id());
    assertEquals(List.of(), d.approvals(), "approval is asked per request, at the Gateway");
    assertTrue(d.evaluated().stream().anyMatch(e -> e.rule().equals("reads-need-a-person")
        && e.outcome() == RuleEvaluation.Outcome.TRUE));
  }

  @Test
  void clientCredentials_denied_leavesNoSessionRow() {
    OAuthException e = assertThrows(OAuthException.class, () -> tokens.issue(app, clientCredentials("admin"), CTX));

    assertEquals("access_denied", e.error());
    assertEquals(0, sessionRows(), "a refused request persists nothing but its record");
    assertFalse(log.last().allowed());
  }

  @Test
  void clientCredentials_ledgerCannotRecord_503AndNoSession() {
    log.failing(true);

    OAuthException e = assertThrows(OAuthException.class, () -> tokens.issue(app, clientCredentials("read"), CTX));

    assertEquals(503, e.status());
    assertEquals("ledger_unavailable", e.reason());
    assertEquals(0, sessionRows());
  }

  @Test
  void exchange_fromADelegatedSession_carriesTheActChainAndDecidesWithIt() throws Exception {
    OpenedSession root = sessions.open(app, new SessionRequest(Optional.empty(), List.of(), List.of(), List.of(), Optional.empty()), CTX);
    OpenedSession child = sessions.open(app, new SessionRequest(Optional.empty(), List.of("read", "write"), List.of(), List.of(),
        Optional.of(root.token())), CTX);

    IssuedToken read = tokens.issue(app, exchange(child.token(), "read"), CTX);
    OAuthException write = assertThrows(OAuthException.class, () -> tokens.issue(app, exchange(child.token(), "write"), CTX));

    Object act = SignedJWT.parse(read.accessToken()).getJWTClaimsSet().getClaim("act");
    assertEquals(root.session().id(), ((Map<?, ?>) act).get("sid"));
    assertEquals("no_matching_rule", write.reason(), "the rule for write needs depth 0");
    assertEquals(1, log.last().session().orElseThrow().depth());
    assertEquals(root.session().id(), log.last().session().get().chain().get(0).session());
  }

  @Test
  void exchange_scopeOutsideTheSession_refusedAtItsBoundsKeepingTheRequestedScope() {
    OpenedSession narrow = sessions.open(app, new SessionRequest(Optional.empty(), List.of("read"), List.of(), List.of(), Optional.empty()),
        CTX);

    OAuthException e = assertThrows(OAuthException.class, () -> tokens.issue(app, exchange(narrow.token(), "write"), CTX));

    assertEquals("invalid_scope", e.error());
    assertEquals("scope_outside_session", e.reason());
    DecisionRecord r = log.last();
    assertEquals(Stage.BOUNDS, r.refusal().orElseThrow().stage());
    assertEquals(List.of("write"), r.input().orElseThrow().toDecisionInput().request().getScopesList());
  }

  @Test
  void issue_unsupportedGrant_isRecordedAsARefusal() {
    TokenRequest password = new TokenRequest("password", Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        List.of(API), List.of("read"), Optional.empty(), Optional.empty());

    OAuthException e = assertThrows(OAuthException.class, () -> tokens.issue(app, password, CTX));

    assertEquals("unsupported_grant_type", e.error());
    assertEquals("grant_type_unsupported", log.last().reason());
    assertEquals("password", log.last().call().grantType());
  }
}
