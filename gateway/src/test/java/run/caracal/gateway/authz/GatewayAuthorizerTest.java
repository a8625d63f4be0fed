package run.caracal.gateway.authz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import run.caracal.control.app.Application;
import run.caracal.control.crypto.SecretBox;
import run.caracal.control.db.ControlSchema;
import run.caracal.control.db.Jdbc;
import run.caracal.control.keys.KeyRing;
import run.caracal.control.limit.RateLimiter;
import run.caracal.control.metrics.CaracalMetrics;
import run.caracal.control.pipeline.DecisionPipeline;
import run.caracal.control.pipeline.memory.MemoryDecisionLog;
import run.caracal.control.pipeline.memory.MemoryReads;
import run.caracal.control.policy.ZonePolicies;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.control.session.SessionRecord;
import run.caracal.control.token.TokenVerifier;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.InputMasker;
import run.caracal.decision.Stage;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.testing.LocalPolicySet;
import run.caracal.gateway.GatewayException;
import run.caracal.gateway.net.UpstreamGuard;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.source.SourceFile;

/**
 * The Gateway's decision without a server: real tokens signed by a real key ring (in-memory
 * H2), everything else over in-memory ports; each case checks the answer and the record.
 */
class GatewayAuthorizerTest {
  private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
  private static final String ISSUER = "http://127.0.0.1:7070";
  private static final String ZONE = "zone_1";
  private static final String API = "resource://api";

  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final KeyRing keys;
  private final MemoryReads reads = new MemoryReads();
  private final MemoryDecisionLog log = new MemoryDecisionLog();
  private final GatewayAuthorizer authorizer;

  GatewayAuthorizerTest() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    ControlSchema.migrate(ds);
    Jdbc jdbc = new Jdbc(ds);
    jdbc.update("insert into zones (id, name, created_at) values (?, ?, ?)", ZONE, "one", 0L);
    keys = new KeyRing(jdbc, SecretBox.withKey(new byte[32]), clock);
    keys.ensure(ZONE);
    DecisionPipeline pipeline = new DecisionPipeline(reads, reads.apps(), reads, log, new InputMasker(List.of(), new byte[32]),
        clock, new CaracalMetrics());
    authorizer = new GatewayAuthorizer(pipeline, reads, reads, reads.apps(), new TokenVerifier(keys, ISSUER, clock, Duration.ofSeconds(30)),
        new UpstreamGuard(true, true), clock, new RateLimiter(1000, 1000, System::nanoTime), new CaracalMetrics());
    reads.put(new Application("app_1", ZONE, "agent", List.of(), Map.of(), true, NOW))
        .put(new SessionRecord("ses_1", ZONE, "app_1", Optional.empty(), "ses_1", List.of("ses_1"), 0, List.of(), List.of(), false,
            NOW.minusSeconds(60), NOW.plusSeconds(600), Optional.empty()))
        .put(new ResourceBinding(ZONE, API, List.of("read", "write"), List.of(), Map.of(), Optional.of("http://127.0.0.1:9"),
            List.of(), Optional.empty(), false, NOW, NOW))
        .put(new ZonePolicies(ZONE, Optional.of(set("prod", "- {name: reads, effect: allow, scopes: [read]}")),
            Optional.of(set("candidate", "- {name: none, effect: deny, scopes: ['*']}"))));
  }

  private static CompiledPolicySet set(String name, String rules) {
    PolicyBundle bundle = new BundleCompiler().compile(List.of(new SourceFile("p.yaml", """
        apiVersion: caracal.run/v1
        kind: Resource
        metadata: {name: api}
        spec: {id: "resource://api", scopes: [read, write]}
        ---
        apiVersion: caracal.run/v1
        kind: Policy
        metadata: {name: p}
        spec:
          resources: ["resource://api"]
          rules:
        %s
        ---
        apiVersion: caracal.run/v1
        kind: PolicySet
        metadata: {name: %s}
        spec: {policies: [p]}
        """.formatted(rules.indent(4), name))));
    return LocalPolicySet.compile(bundle, name);
  }

  private String token(String audience, String scope) throws Exception {
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).subject("app_1").audience(audience).jwtID("jti_1")
        .issueTime(Date.from(NOW)).notBeforeTime(Date.from(NOW)).expirationTime(Date.from(NOW.plusSeconds(300)))
        .claim("client_id", "app_1").claim("zone", ZONE).claim("sid", "ses_1").claim("scope", scope).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.EdDSA).type(new JOSEObjectType("at+jwt"))
        .keyID(keys.current(ZONE).kid()).build(), claims);
    jwt.sign(new Ed25519Signer(keys.current(ZONE).jwk()));
    return jwt.serialize();
  }

  private GatewayRequest request(String token, String method) {
    return new GatewayRequest(method, "/items/1?q=x", Map.of("authorization", "Bearer " + token, "x-caracal-resource", API,
        "accept", "application/json"), "10.0.0.1", "req_1", "trace_1", Optional.empty());
  }

  private GatewayException refusal(GatewayRequest request) {
    CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
        () -> authorizer.authorize(request).join());
    return assertInstanceOf(GatewayException.class, e.getCause());
  }

  @Test
  void authorize_anyOneTokenScopeAllowed_grantsItAfterTheRecordWithTheShadowDecision() throws Exception {
    Authorized a = authorizer.authorize(request(token(API, "write read"), "GET")).join();

    assertEquals(List.of("read"), a.scopesUsed(), "one decision names the scope that granted");
    assertEquals("http://127.0.0.1:9/items/1?q=x", a.upstream() + a.upstreamPath().substring(a.upstreamPath().indexOf("/items")));
    DecisionRecord r = log.last();
    assertTrue(r.allowed());
    assertEquals("GET", r.call().method());
    assertEquals("/items/1", r.call().path());
    assertTrue(r.shadowDisagrees(), "the shadow set is evaluated at the Gateway too");
    assertEquals("x", r.input().orElseThrow().toDecisionInput().request().getQueryOrThrow("q"));
    assertTrue(r.input().get().toDecisionInput().request().getHeadersMap().keySet().stream()
        .noneMatch(h -> h.equals("authorization") || h.startsWith("x-caracal-")), "credentials never reach the input");
  }

  @Test
  void authorize_policyDenies_403WithTheEngineReasonRecorded() throws Exception {
    GatewayException e = refusal(request(token(API, "write"), "GET"));

    assertEquals(403, e.status());
    assertEquals("no_matching_rule", e.reason());
    assertEquals(Stage.POLICY, log.last().refusal().orElseThrow().stage());
  }

  @Test
  void authorize_wrongAudience_401RecordedAtTheTokenStage() throws Exception {
    reads.put(new ResourceBinding(ZONE, "resource://other", List.of("read"), List.of(), Map.of(), Optional.of("http://127.0.0.1:9"),
        List.of(), Optional.empty(), false, NOW, NOW));
    GatewayRequest other = new GatewayRequest("GET", "/", Map.of("authorization", "Bearer " + token(API, "read"),
        "x-caracal-resource", "resource://other"), "", "req_2", "", Optional.empty());

    GatewayException e = refusal(other);

    assertEquals(401, e.status());
    assertEquals("token_audience_invalid", e.reason());
    assertEquals(Stage.TOKEN, log.last().refusal().orElseThrow().stage());
    assertEquals(Optional.empty(), log.last().decision());
  }

  @Test
  void authorize_sessionEnded_401SessionRevoked() throws Exception {
    reads.terminate("ses_1", NOW);

    assertEquals("session_revoked", refusal(request(token(API, "read"), "GET")).reason());
  }

  @Test
  void authorize_unknownResource_404Recorded() throws Exception {
    GatewayRequest unknown = new GatewayRequest("GET", "/", Map.of("authorization", "Bearer " + token(API, "read"),
        "x-caracal-resource", "resource://nope"), "", "req_3", "", Optional.empty());

    GatewayException e = refusal(unknown);

    assertEquals(404, e.status());
    assertEquals("unknown_resource", log.last().reason());
  }

  @Test
  void authorize_ledgerCannotCommit_503AndNothingAuthorized() throws Exception {
    log.failing(true);

    GatewayException allowed = refusal(request(token(API, "read"), "GET"));
    GatewayException refused = refusal(request("not-a-token", "GET"));

    assertEquals(503, allowed.status());
    assertEquals("ledger_unavailable", allowed.reason());
    assertEquals("ledger_unavailable", refused.reason(), "a ledger outage gets one answer");
  }
}
