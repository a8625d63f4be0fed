package run.caracal.gateway.authz;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import run.caracal.gateway.mcp.ListFilter;

/**
 * An allowed request, ready to forward: where to (resolved and checked address, upstream URL and
 * path), the credential to inject, what the result event needs (zone, app, session, token), and
 * for an MCP list request the filter its answer goes through.
 */
public record Authorized(
    String zoneId, String appId, String sessionId, String jti, String resourceId, URI upstream, InetSocketAddress address,
    String upstreamPath, Optional<String> credential, List<String> scopesUsed, Optional<ListFilter> listFilter) {
  public Authorized {
    scopesUsed = List.copyOf(scopesUsed);
  }
}
