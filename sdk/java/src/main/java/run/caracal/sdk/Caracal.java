package run.caracal.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A Caracal client for one application. {@link #create()} resolves the runtime profile
 * ({@code CARACAL_CONFIG}, then {@code CARACAL_*} variables, then
 * {@code $XDG_CONFIG_HOME/caracal/caracal.toml}) and throws {@link ConfigException} naming what is
 * missing. One client serves any number of threads: the current session is per thread.
 * Under {@code caracal run} ({@value #RUN_SESSION_TOKEN_ENV} set), a top-level spawn opens its
 * session delegated from the run's session, so ending that session ends this client's too; spawn
 * with {@link Grant#none()} to opt out.
 *
 * <pre>{@code
 * Caracal caracal = Caracal.create();
 * try (AgentSession session = caracal.spawn()) {
 *   GatewayRequest request = caracal.gatewayRequest("resource://billing-api", "/charge");
 *   HttpResponse<String> response = caracal.transport().post(request.url(), request.headers(), "{\"amount\": 1200}");
 * }
 * }</pre>
 */
public final class Caracal {
  /** The variable {@code caracal run} puts its agent session's token in. */
  public static final String RUN_SESSION_TOKEN_ENV = "CARACAL_SESSION_TOKEN";

  private static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor(daemon("caracal-token-refresh"));
  private static final ExecutorService FETCHERS = Executors.newCachedThreadPool(daemon("caracal-token-fetch"));

  private final Profile profile;
  private final Long tokenTtlSeconds;
  private final Duration timeout;
  private final StsClient sts;
  private final Function<String, String> env;
  final HttpClient gatewayHttp;
  final HttpClient plainHttp;
  private final ThreadLocal<AgentSession> current = new ThreadLocal<>();

  private Caracal(Builder b) {
    this.profile = b.profile != null ? b.profile : b.profilePath != null ? Profile.load(b.profilePath)
        : Profile.resolve(b.env != null ? b.env : System.getenv());
    this.tokenTtlSeconds = b.tokenTtlSeconds;
    this.timeout = b.timeout;
    Map<String, String> given = b.env;
    this.env = given != null ? given::get : System::getenv;
    this.gatewayHttp = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    this.plainHttp = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    this.sts = new StsClient(profile.stsUrl(), profile.applicationId(), profile.secret(), timeout, gatewayHttp);
  }

  /** A client for the profile resolved from the process environment. */
  public static Caracal create() {
    return builder().build();
  }

  /** A client for the profile resolved from {@code env} (instead of the process environment). */
  public static Caracal create(Map<String, String> env) {
    return builder().env(env).build();
  }

  /** A client for one profile file. */
  public static Caracal fromProfile(Path profile) {
    return builder().profile(profile).build();
  }

  /** A client for a resolved profile. */
  public static Caracal fromProfile(Profile profile) {
    return builder().profile(profile).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of a client; every one is optional. */
  public static final class Builder {
    private Profile profile;
    private Path profilePath;
    private Map<String, String> env;
    private Long tokenTtlSeconds;
    private Duration timeout = Duration.ofSeconds(30);

    private Builder() {}

    /** A profile file; overrides resolution. */
    public Builder profile(Path path) {
      this.profilePath = Objects.requireNonNull(path);
      this.profile = null;
      return this;
    }

    /** A resolved profile; overrides resolution. */
    public Builder profile(Profile p) {
      this.profile = Objects.requireNonNull(p);
      this.profilePath = null;
      return this;
    }

    /**
     * The environment to resolve the profile from, to read {@value Caracal#RUN_SESSION_TOKEN_ENV}
     * from at each top-level spawn and {@code CARACAL_RUN} from when a request is held for approval
     * (default: the process environment).
     */
    public Builder env(Map<String, String> e) {
      this.env = Map.copyOf(e);
      return this;
    }

    /** Lifetime to ask for resource tokens (the STS caps it at 15 minutes and at the session's end). */
    public Builder tokenTtl(Duration ttl) {
      if (ttl.toSeconds() <= 0) throw new IllegalArgumentException("tokenTtl must be at least one second");
      this.tokenTtlSeconds = ttl.toSeconds();
      return this;
    }

    /** How long to wait for the STS on each call (default 30 s). */
    public Builder timeout(Duration t) {
      this.timeout = Objects.requireNonNull(t);
      return this;
    }

    public Caracal build() {
      return new Caracal(this);
    }
  }

  public Profile profile() {
    return profile;
  }

  /** A variable of the client's environment ({@link Builder#env}, else the process's), or null. */
  String environment(String name) {
    return env.apply(name);
  }

  // ---- spawn -------------------------------------------------------------------------------

  /** Opens an agent session (a child of the current one, by {@link Grant#inherit()}) and makes it current; close it to end it. */
  public AgentSession spawn() {
    return spawn(SpawnOptions.defaults());
  }

  /**
   * Opens an agent session with {@code grant}: a child of the current one (at the top level, of the
   * {@code caracal run} session when {@value #RUN_SESSION_TOKEN_ENV} is set), or with
   * {@link Grant#none()} an independent one.
   */
  public AgentSession spawn(Grant grant) {
    return spawn(SpawnOptions.grant(grant));
  }

  /**
   * Opens an agent session and binds it as the current session of this thread; use it in
   * try-with-resources. Inside another spawn it opens a child chosen by {@code options.grant()}.
   * At the top level, when {@value #RUN_SESSION_TOKEN_ENV} is set and non-empty (under
   * {@code caracal run}) and the grant is not {@link Grant#none()}, the session is delegated from
   * the run's session ({@code parent_session_token}): it counts toward the delegation depth limit,
   * and ending the run's session ends it too.
   * The profile's tokens are obtained before it returns, so {@link #gatewayRequest} has them at
   * hand (a refused one is asked for again, and its {@link StsException} thrown, when used).
   * Throws {@link StsException} when the STS refuses the session.
   */
  public AgentSession spawn(SpawnOptions options) {
    AgentSession parent = current.get();
    AgentSession session = open(parent, options);
    current.set(session);
    for (TokenCache.Key key : prefetchKeys(session)) {
      try {
        session.tokens.get(key.resource(), key.scopes(), null);
      } catch (StsException e) {
        // a refused token is asked for (and its refusal thrown) again when the block uses it
      }
    }
    return session;
  }

  /** A block run inside a session. */
  @FunctionalInterface
  public interface SessionBlock {
    void run(AgentSession session) throws Exception;
  }

  /** A function run inside a session. */
  @FunctionalInterface
  public interface SessionFunction<T> {
    T apply(AgentSession session) throws Exception;
  }

  /**
   * Runs {@code block} in a new agent session and ends the session when it returns or throws.
   * A checked exception of the block is rethrown wrapped in a {@link CaracalException} (reason
   * {@code spawn_block_failed}); runtime exceptions and errors as they are.
   */
  public void spawn(SessionBlock block) {
    spawn(SpawnOptions.defaults(), block);
  }

  public void spawn(Grant grant, SessionBlock block) {
    spawn(SpawnOptions.grant(grant), block);
  }

  public void spawn(SpawnOptions options, SessionBlock block) {
    call(options, session -> {
      block.run(session);
      return null;
    });
  }

  /** Runs {@code fn} in a new agent session, ends the session, and returns what {@code fn} returned. */
  public <T> T call(SessionFunction<T> fn) {
    return call(SpawnOptions.defaults(), fn);
  }

  public <T> T call(Grant grant, SessionFunction<T> fn) {
    return call(SpawnOptions.grant(grant), fn);
  }

  public <T> T call(SpawnOptions options, SessionFunction<T> fn) {
    AgentSession session = spawn(options);
    T result;
    try {
      result = fn.apply(session);
    } catch (Throwable e) {
      try {
        session.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof RuntimeException r) throw r;
      if (e instanceof Error err) throw err;
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      throw new CaracalException("spawn block failed: " + e, "spawn_block_failed", null, 0, null, e);
    }
    session.close();
    return result;
  }

  /** The session current on this thread. */
  public Optional<AgentSession> currentSession() {
    return Optional.ofNullable(current.get());
  }

  // ---- calling resources ------------------------------------------------------------------

  /**
   * The Gateway URL and headers to call {@code path} on {@code resourceId} in the current session,
   * with {@code Authorization} from the session's token cache (refreshed before expiry; obtained
   * now when none is at hand). Scopes default to the profile credential's (kept within the
   * session's), or the session's. Throws {@link NoActiveSessionException} outside spawn,
   * {@link ConfigException} without a Gateway URL or known scopes, and the {@link StsException}
   * of a refused token exchange.
   */
  public GatewayRequest gatewayRequest(String resourceId, String path) {
    return gatewayRequest(resourceId, path, List.of());
  }

  public GatewayRequest gatewayRequest(String resourceId, String path, List<String> scopes) {
    AgentSession session = requireSession("gatewayRequest");
    List<String> wanted = scopes.isEmpty() ? defaultScopes(session, resourceId) : scopes;
    String base = gatewayUrl();
    String fullPath = path == null || path.isEmpty() ? "/" : path.startsWith("/") ? path : "/" + path;
    String token = session.tokens.get(resourceId, wanted, null);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-Caracal-Resource", resourceId);
    headers.put("Authorization", "Bearer " + token);
    headers.put("traceparent", session.traceparent());
    headers.put("baggage", session.baggage());
    return new GatewayRequest(base + fullPath, headers, resourceId, fullPath);
  }

  /** A token for {@code resourceId} in the current session, with the default scopes. */
  public String token(String resourceId) {
    return token(resourceId, List.of());
  }

  /** A token for {@code resourceId} and {@code scopes} in the current session (waiting for the STS if needed). */
  public String token(String resourceId, List<String> scopes) {
    AgentSession session = requireSession("token");
    return session.tokens.get(resourceId, scopes.isEmpty() ? defaultScopes(session, resourceId) : scopes, null);
  }

  /**
   * The endpoint and headers for an MCP client calling the MCP resource {@code resourceId}
   * ({@code resource://{name}}, at {@code {gateway}/mcp/{name}}) in the current session, with the
   * default scopes; see {@link McpAuthorization}. Throws {@link NoActiveSessionException} outside
   * spawn and {@link ConfigException} without a Gateway URL or known scopes.
   */
  public McpAuthorization mcp(String resourceId) {
    return mcp(resourceId, List.of());
  }

  /** As {@link #mcp(String)}, for tokens with {@code scopes}. */
  public McpAuthorization mcp(String resourceId, List<String> scopes) {
    AgentSession session = requireSession("mcp");
    return new McpAuthorization(session, resourceId, scopes.isEmpty() ? defaultScopes(session, resourceId) : scopes, gatewayUrl());
  }

  /** An HTTP client bound to the current session; see {@link Transport}. */
  public Transport transport() {
    return new Transport(this, TransportOptions.defaults());
  }

  public Transport transport(TransportOptions options) {
    return new Transport(this, options);
  }

  /** The Gateway's base URL, without a trailing slash. */
  public String gatewayUrl() {
    if (profile.gatewayUrl().isEmpty()) {
      throw new ConfigException("no gateway url: set `gateway_url` in the runtime profile or CARACAL_GATEWAY_URL");
    }
    return profile.gatewayUrl().replaceAll("/+$", "");
  }

  // ---- internals ---------------------------------------------------------------------------

  AgentSession requireSession(String what) {
    AgentSession session = current.get();
    if (session == null) {
      throw new NoActiveSessionException(what + " needs an agent session: call it inside "
          + "`try (AgentSession s = caracal.spawn()) { ... }` or `caracal.spawn(session -> { ... })`");
    }
    return session;
  }

  List<String> defaultScopes(AgentSession session, String resourceId) {
    for (Profile.Credential c : profile.credentials()) {
      if (c.resource().equals(resourceId)) {
        if (!session.scopes().isEmpty()) {
          List<String> kept = c.scopes().stream().filter(session.scopes()::contains).toList();
          return kept.isEmpty() ? session.scopes() : kept;
        }
        return c.scopes();
      }
    }
    if (!session.scopes().isEmpty()) return session.scopes();
    throw new ConfigException("no scopes known for `" + resourceId + "`: add a [[credentials]] entry for it to the profile "
        + "(`caracal setup` writes one), spawn with scopes, or pass the scopes");
  }

  private AgentSession open(AgentSession parent, SpawnOptions options) {
    Grant grant = options.grant();
    List<String> scopes = options.scopes();
    List<String> resources = options.resources();
    Long ttl = options.ttl() == null ? null : Math.max(1, options.ttl().toSeconds());
    if (grant.mode() == Grant.Mode.NARROW) {
      if (!grant.scopes().isEmpty()) scopes = grant.scopes();
      if (!grant.resources().isEmpty()) resources = grant.resources();
      if (grant.ttlSeconds().isPresent()) ttl = grant.ttlSeconds().get();
    }
    // under `caracal run` a top-level session is delegated from the run's session, so ending that
    // session ends this one too; Grant.none() opts out
    String runToken = parent == null && grant.mode() != Grant.Mode.NONE ? runSessionToken() : null;
    String parentToken = parent != null ? (grant.mode() != Grant.Mode.NONE ? parent.token() : null) : runToken;
    boolean delegate = parentToken != null;
    if (parent == null) {
      if (grant.mode() != Grant.Mode.NONE) {
        // a top-level session holds no more than the profile's credentials
        if (scopes.isEmpty()) {
          LinkedHashSet<String> all = new LinkedHashSet<>();
          profile.credentials().forEach(c -> all.addAll(c.scopes()));
          scopes = List.copyOf(all);
        }
        if (resources.isEmpty()) {
          resources = profile.credentials().stream().map(Profile.Credential::resource).distinct().toList();
        }
      }
      if (ttl == null) ttl = profile.ttlSeconds();
    } else if (grant.mode() == Grant.Mode.NONE) {
      long remaining = parent.timeLeft().toSeconds();
      if (remaining <= 0) {
        throw new CaracalException("cannot spawn: the parent session `" + parent.id() + "` has expired",
            "session_expired", null, 0, null, null);
      }
      ttl = Math.min(ttl == null ? profile.ttlSeconds() : ttl, remaining);
    }
    String traceId = parent != null ? parent.traceId() : AgentSession.hex(16);
    long started = System.nanoTime();
    JsonNode body = sts.openSession(ttl, scopes, resources, options.labels(), parentToken, AgentSession.traceparent(traceId),
        runToken != null ? "cannot open a session delegated from the `caracal run` session (" + RUN_SESSION_TOKEN_ENV + ")" : null);
    String id = Json.text(body, "session_id");
    String token = Json.text(body, "session_token");
    if (id == null || token == null) {
      throw new CaracalException("cannot open a session: the STS answered without a session id and token",
          "sts_bad_response", null, 0, null, null);
    }
    long expiresIn = body.path("expires_in").isNumber() ? body.get("expires_in").asLong() : ttl == null ? 0 : ttl;
    Instant expiresAt = null;
    String at = Json.text(body, "expires_at");
    if (at != null) {
      try {
        expiresAt = Instant.parse(at);
      } catch (DateTimeParseException e) {
        expiresAt = null;
      }
    }
    String rootId = Json.text(body, "root_session_id");
    TokenCache cache = newCache(token, traceId);
    return new AgentSession(this, id, rootId != null ? rootId : id, body.path("depth").asInt(0),
        parent != null ? parent.hop() + 1 : 0, Json.strings(body, "scopes"), Json.strings(body, "resources"), expiresAt,
        traceId, delegate, parent, parent, token, started + Duration.ofSeconds(expiresIn).toNanos(), cache);
  }

  /** The {@code caracal run} session's token from the environment, or null when unset or empty. */
  private String runSessionToken() {
    String token = env.apply(RUN_SESSION_TOKEN_ENV);
    return token == null || token.isBlank() ? null : token.trim();
  }

  private TokenCache newCache(String sessionToken, String traceId) {
    return new TokenCache((resource, scopes) -> {
      JsonNode body = sts.exchange(sessionToken, resource, scopes, tokenTtlSeconds, AgentSession.traceparent(traceId));
      String token = Json.text(body, "access_token");
      if (token == null) {
        throw new CaracalException("cannot get a token for `" + resource + "`: the STS answered without an access_token",
            "sts_bad_response", null, 0, null, null);
      }
      return new TokenCache.Issued(token, body.path("expires_in").isNumber() ? body.get("expires_in").asLong() : 60);
    }, SCHEDULER, FETCHERS, System::nanoTime);
  }

  private List<TokenCache.Key> prefetchKeys(AgentSession session) {
    List<TokenCache.Key> keys = new ArrayList<>();
    for (Profile.Credential c : profile.credentials()) {
      if (!session.resources().isEmpty() && !session.resources().contains(c.resource())) continue;
      List<String> scopes = session.scopes().isEmpty() ? c.scopes()
          : c.scopes().stream().filter(session.scopes()::contains).toList();
      if (!scopes.isEmpty()) keys.add(new TokenCache.Key(c.resource(), scopes));
    }
    return keys;
  }

  void unbind(AgentSession session, AgentSession previous, Thread owner) {
    if (Thread.currentThread() == owner && current.get() == session) {
      if (previous == null || previous.isClosed()) current.remove();
      else current.set(previous);
    }
  }

  void end(AgentSession session) {
    session.tokens.close();
    try {
      sts.endSession(session.id(), session.traceparent());
    } catch (CaracalException e) {
      if (e.status() == 404) return; // already gone with an ancestor
      throw new SessionEndException("could not end session `" + session.id() + "`; its authority lasts until it expires: "
          + e.getMessage(), e);
    }
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
