package run.caracal.sdk;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * An open agent session, bound as the current session of the thread that spawned it. {@code scopes}
 * and {@code resources} are what the STS granted (empty: not bounded by the session);
 * {@code depth} is the delegation depth, {@code hop} the number of spawns from the root (sent as
 * baggage). Closing it ends the session at the STS (revoking its tokens and its descendants') and
 * restores the previous current session; close is idempotent.
 */
public final class AgentSession implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Caracal caracal;
  private final String id;
  private final String rootId;
  private final int depth;
  private final int hop;
  private final List<String> scopes;
  private final List<String> resources;
  private final Instant expiresAt;
  private final String traceId;
  private final boolean delegated;
  private final AgentSession parent;
  private final AgentSession previous;
  private final Thread owner;
  private final String token;
  private final long deadlineNanos;
  final TokenCache tokens;
  private boolean closed;

  AgentSession(Caracal caracal, String id, String rootId, int depth, int hop, List<String> scopes, List<String> resources,
      Instant expiresAt, String traceId, boolean delegated, AgentSession parent, AgentSession previous, String token,
      long deadlineNanos, TokenCache tokens) {
    this.caracal = caracal;
    this.id = id;
    this.rootId = rootId;
    this.depth = depth;
    this.hop = hop;
    this.scopes = List.copyOf(scopes);
    this.resources = List.copyOf(resources);
    this.expiresAt = expiresAt;
    this.traceId = traceId;
    this.delegated = delegated;
    this.parent = parent;
    this.previous = previous;
    this.owner = Thread.currentThread();
    this.token = token;
    this.deadlineNanos = deadlineNanos;
    this.tokens = tokens;
  }

  public String id() {
    return id;
  }

  public String rootId() {
    return rootId;
  }

  public int depth() {
    return depth;
  }

  public int hop() {
    return hop;
  }

  public List<String> scopes() {
    return scopes;
  }

  public List<String> resources() {
    return resources;
  }

  public Optional<Instant> expiresAt() {
    return Optional.ofNullable(expiresAt);
  }

  public String traceId() {
    return traceId;
  }

  public boolean delegated() {
    return delegated;
  }

  public Optional<AgentSession> parent() {
    return Optional.ofNullable(parent);
  }

  /** The session token (a JWT); handle with care. */
  public String token() {
    return token;
  }

  /** Time until the session expires (by this process's clock). */
  public Duration timeLeft() {
    return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
  }

  /** A W3C {@code traceparent} in this session's trace, with a new span id. */
  public String traceparent() {
    return traceparent(traceId);
  }

  /** The W3C {@code baggage} members that carry this session: id and hop. */
  public String baggage() {
    return "caracal.session_id=" + id + ",caracal.hop=" + hop;
  }

  public synchronized boolean isClosed() {
    return closed;
  }

  /**
   * Ends the session (its tokens are refused from then on) and makes the previous session current
   * again on the spawning thread. Throws {@link SessionEndException} when the STS cannot end it.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    caracal.unbind(this, previous, owner);
    caracal.end(this);
  }

  @Override
  public String toString() {
    return "AgentSession[id=" + id + ", rootId=" + rootId + ", depth=" + depth + ", hop=" + hop + ", scopes=" + scopes
        + ", resources=" + resources + ", delegated=" + delegated + ", traceId=" + traceId + "]";
  }

  static String traceparent(String traceId) {
    return "00-" + traceId + "-" + hex(8) + "-01";
  }

  static String hex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
