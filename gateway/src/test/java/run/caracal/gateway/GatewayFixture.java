package run.caracal.gateway;

import com.nimbusds.jose.JOSEException;
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
import org.h2.jdbcx.JdbcDataSource;
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
import run.caracal.control.pipeline.memory.SampleSets;
import run.caracal.control.policy.ZonePolicies;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.control.session.SessionRecord;
import run.caracal.control.token.TokenVerifier;
import run.caracal.decision.InputMasker;
import run.caracal.gateway.authz.GatewayAuthorizer;
import run.caracal.gateway.net.UpstreamGuard;

/**
 * A Gateway authorizer without a server: a real key ring on in-memory H2 signs and verifies
 * tokens; sessions, apps, the resource `resource://api` (scopes read, write) and the policy sets
 * (active: `reads` allows read; shadow: denies everything) are in-memory ports; decision records
 * go to a {@link MemoryDecisionLog}.
 */
public final class GatewayFixture {
  public static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
  public static final String ISSUER = "http://127.0.0.1:7070";
  public static final String ZONE = "zone_1";
  public static final String API = "resource://api";

  public final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  public final KeyRing keys;
  public final MemoryReads reads = new MemoryReads();
  public final MemoryDecisionLog log = new MemoryDecisionLog();
  public final GatewayAuthorizer authorizer;
  public final JdbcDataSource dataSource = new JdbcDataSource();

  public GatewayFixture() {
    dataSource.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    ControlSchema.migrate(dataSource);
    Jdbc jdbc = new Jdbc(dataSource);
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
            List.of(), Optional.empty(), Optional.empty(), false, NOW, NOW))
        .put(new ZonePolicies(ZONE, Optional.of(SampleSets.set("prod", "- {name: reads, effect: allow, scopes: [read]}")),
            Optional.of(SampleSets.set("candidate", "- {name: none, effect: deny, scopes: ['*']}"))));
  }



  /** A resource token of `app_1`, session `ses_1`, signed by the zone's current key. */
  public String token(String audience, String scope) {
    return token(audience, scope, "app_1", "ses_1");
  }

  /** A resource token of {@code app}, session {@code session}, signed by the zone's current key. */
  public String token(String audience, String scope, String app, String session) {
    try {
      JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).subject(app).audience(audience).jwtID("jti_1")
          .issueTime(Date.from(NOW)).notBeforeTime(Date.from(NOW)).expirationTime(Date.from(NOW.plusSeconds(300)))
          .claim("client_id", app).claim("zone", ZONE).claim("sid", session).claim("scope", scope).build();
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.EdDSA).type(new JOSEObjectType("at+jwt"))
          .keyID(keys.current(ZONE).kid()).build(), claims);
      jwt.sign(new Ed25519Signer(keys.current(ZONE).jwk()));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
