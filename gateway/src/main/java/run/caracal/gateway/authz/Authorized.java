package run.caracal.gateway.authz;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * An allowed request, ready to forward: where to (resolved and checked address, upstream URL and
 * path), the credential to inject, and what the result event needs (zone, app, session, token).
 */
public record Authorized(
    String zoneId, String appId, String sessionId, String jti, String resourceId, URI upstream, InetSocketAddress address,
    String upstreamPath, Optional<String> credential, List<String> scopesUsed) {
  public Authorized {
    scopesUsed = List.copyOf(scopesUsed);
  }
}
