package run.caracal.sts.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.caracal.control.app.Application;
import run.caracal.control.db.Json;
import run.caracal.control.keys.SigningKey;
import run.caracal.control.session.SessionRecord;
import run.caracal.decision.Reason;
import run.caracal.sts.OAuthException;
import run.caracal.sts.session.OpenedSession;
import run.caracal.sts.session.SessionRequest;
import run.caracal.sts.token.IssuedToken;
import run.caracal.sts.token.TokenRequest;

/**
 * The STS over HTTP: sessions, the OAuth token endpoint (token exchange, client credentials),
 * introspection, revocation, JWKS and server metadata. Turns HTTP into service calls and typed
 * errors back into RFC 6749 error bodies; holds no protocol rules itself.
 */
@Controller
public final class StsController {
  private static final Logger LOG = LoggerFactory.getLogger(StsController.class);
  private final StsContext sts;

  public StsController(StsContext sts) {
    this.sts = sts;
  }

  @Post(uri = "/v1/sessions", consumes = {MediaType.APPLICATION_JSON, MediaType.ALL}, produces = MediaType.APPLICATION_JSON)
  public HttpResponse<Map<String, Object>> openSession(HttpRequest<?> request, @Nullable @Body String body) {
    Application app = authenticate(request);
    JsonNode json = parseJson(body);
    SessionRequest sessionRequest = new SessionRequest(
        json.hasNonNull("ttl_seconds") ? Optional.of(json.get("ttl_seconds").asLong()) : Optional.empty(),
        strings(json, "scopes"), strings(json, "resources"), strings(json, "labels"),
        json.hasNonNull("parent_session_token") ? Optional.of(json.get("parent_session_token").asText()) : Optional.empty());
    OpenedSession opened = sts.sessions().open(app, sessionRequest, RequestIds.of(request));
    Map<String, Object> out = sessionJson(opened.session());
    out.put("session_token", opened.token());
    out.put("expires_in", Math.max(0, Duration.between(sts.control().clock().instant(), opened.session().expiresAt()).toSeconds()));
    return HttpResponse.created(out);
  }

  @Get(uri = "/v1/sessions/{id}", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> getSession(HttpRequest<?> request, @PathVariable String id) {
    Application app = authenticate(request);
    return sessionJson(ownSession(app, id));
  }

  @Delete(uri = "/v1/sessions/{id}", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> endSession(HttpRequest<?> request, @PathVariable String id) {
    Application app = authenticate(request);
    SessionRecord session = ownSession(app, id);
    List<String> ended = sts.sessions().terminate(session, app.id(), RequestIds.of(request));
    return Map.of("session_id", id, "terminated", ended);
  }

  @Post(uri = "/oauth2/token", consumes = {MediaType.APPLICATION_FORM_URLENCODED, MediaType.ALL}, produces = MediaType.APPLICATION_JSON)
  public HttpResponse<Map<String, Object>> token(HttpRequest<?> request, @Nullable @Body String body) {
    Application app = authenticate(request);
    FormBody form = FormBody.parse(body);
    TokenRequest tokenRequest = new TokenRequest(
        form.single("grant_type").orElseThrow(() -> OAuthException.of(Reason.GRANT_TYPE_MISSING, "grant_type is required")),
        form.single("subject_token"), form.single("subject_token_type"), form.single("actor_token"),
        form.single("actor_token_type"), form.all("resource"), form.scopes(), form.single("requested_token_type"),
        form.single("ttl_seconds").map(FormBody::parseLong));
    IssuedToken token = sts.tokens().issue(app, tokenRequest, RequestIds.of(request));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("access_token", token.accessToken());
    out.put("issued_token_type", token.issuedTokenType());
    out.put("token_type", "Bearer");
    out.put("expires_in", token.expiresIn());
    out.put("scope", String.join(" ", token.scopes()));
    out.put("session_id", token.sessionId());
    return HttpResponse.ok(out).header("Cache-Control", "no-store").header("Pragma", "no-cache");
  }

  @Post(uri = "/oauth2/introspect", consumes = {MediaType.APPLICATION_FORM_URLENCODED, MediaType.ALL}, produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> introspect(HttpRequest<?> request, @Nullable @Body String body) {
    Application app = authenticate(request);
    String token = FormBody.parse(body).single("token").orElseThrow(() -> OAuthException.invalidRequest("token_missing", "token is required"));
    return sts.introspection().introspect(app, token);
  }

  @Post(uri = "/oauth2/revoke", consumes = {MediaType.APPLICATION_FORM_URLENCODED, MediaType.ALL})
  public HttpResponse<?> revoke(HttpRequest<?> request, @Nullable @Body String body) {
    Application app = authenticate(request);
    String token = FormBody.parse(body).single("token").orElseThrow(() -> OAuthException.invalidRequest("token_missing", "token is required"));
    sts.introspection().revoke(app, token, RequestIds.of(request));
    return HttpResponse.ok();
  }

  @Get(uri = "/.well-known/jwks.json", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<Map<String, Object>> jwks() {
    List<Map<String, Object>> keys = new ArrayList<>();
    for (SigningKey key : sts.control().keys().published()) {
      keys.add(key.publicJwk().toJSONObject());
    }
    return HttpResponse.ok(Map.<String, Object>of("keys", keys)).header("Cache-Control", "max-age=60");
  }

  @Get(uri = "/.well-known/oauth-authorization-server", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> metadata() {
    String iss = sts.issuer();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("issuer", iss);
    out.put("token_endpoint", iss + "/oauth2/token");
    out.put("jwks_uri", iss + "/.well-known/jwks.json");
    out.put("introspection_endpoint", iss + "/oauth2/introspect");
    out.put("revocation_endpoint", iss + "/oauth2/revoke");
    out.put("grant_types_supported", List.of("urn:ietf:params:oauth:grant-type:token-exchange", "client_credentials"));
    out.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic"));
    out.put("introspection_endpoint_auth_methods_supported", List.of("client_secret_basic"));
    out.put("revocation_endpoint_auth_methods_supported", List.of("client_secret_basic"));
    out.put("token_endpoint_auth_signing_alg_values_supported", List.of("EdDSA"));
    out.put("scopes_supported", List.of());
    out.put("response_types_supported", List.of());
    return out;
  }

  private Application authenticate(HttpRequest<?> request) {
    BasicCredentials credentials = BasicCredentials.parse(request.getHeaders().get("Authorization"))
        .orElseThrow(() -> OAuthException.invalidClient("client_auth_missing"));
    Optional<Application> app = sts.control().authenticate(credentials.clientId(), credentials.secret());
    if (app.isEmpty()) {
      // unknown, disabled and wrong-secret look alike to the caller; the log says which it was
      LOG.info("client authentication failed request_id={} client_id={} failure={}", RequestIds.of(request).requestId(),
          credentials.clientId().length() > 128 ? credentials.clientId().substring(0, 128) : credentials.clientId(),
          sts.control().authenticationFailure(credentials.clientId()));
      throw OAuthException.invalidClient("client_auth_failed");
    }
    sts.limiter().tryAcquire(app.get().zoneId() + "/" + app.get().id()).ifPresent(wait -> {
      throw new RateLimited(wait);
    });
    return app.get();
  }

  private SessionRecord ownSession(Application app, String id) {
    return sts.sessions().find(id)
        .filter(s -> s.zoneId().equals(app.zoneId()) && (s.appId().equals(app.id()) || ancestorOwned(app, s)))
        .orElseThrow(() -> new OAuthException("invalid_request", "session_unknown", 404, "session not found"));
  }

  private boolean ancestorOwned(Application app, SessionRecord s) {
    return s.lineage().stream().map(sts.sessions()::find).flatMap(Optional::stream).anyMatch(a -> a.appId().equals(app.id()));
  }

  /** The JSON view of a session (STS and admin API). */
  public static Map<String, Object> sessionJson(SessionRecord s) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("session_id", s.id());
    out.put("zone_id", s.zoneId());
    out.put("application_id", s.appId());
    out.put("parent_session_id", s.parentId().orElse(null));
    out.put("root_session_id", s.rootId());
    out.put("depth", s.depth());
    out.put("scopes", s.scopes());
    out.put("resources", s.resources());
    out.put("one_shot", s.oneShot());
    out.put("created_at", s.createdAt().toString());
    out.put("expires_at", s.expiresAt().toString());
    out.put("terminated_at", s.terminatedAt().map(Object::toString).orElse(null));
    return out;
  }

  private static JsonNode parseJson(String body) {
    if (body == null || body.isBlank()) {
      return Json.MAPPER.createObjectNode();
    }
    try {
      JsonNode node = Json.MAPPER.readTree(body);
      if (!node.isObject()) {
        throw OAuthException.of(Reason.MALFORMED_JSON, "request body must be a json object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw OAuthException.of(Reason.MALFORMED_JSON, "request body is not valid json");
    }
  }

  private static List<String> strings(JsonNode json, String field) {
    List<String> out = new ArrayList<>();
    JsonNode node = json.get(field);
    if (node != null && !node.isNull()) {
      if (!node.isArray()) {
        throw OAuthException.of(Reason.MALFORMED_JSON, "`" + field + "` must be a list of strings");
      }
      node.forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  /** Too many requests for this app: 429 with Retry-After. */
  public static final class RateLimited extends RuntimeException {
    private final Duration wait;

    RateLimited(Duration wait) {
      super("rate limit exceeded", null, false, false);
      this.wait = wait;
    }

    public long retryAfterSeconds() {
      return Math.max(1, (long) Math.ceil(wait.toMillis() / 1000.0));
    }
  }

}
