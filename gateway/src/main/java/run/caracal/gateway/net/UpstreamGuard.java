package run.caracal.gateway.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import run.caracal.decision.Reason;
import run.caracal.gateway.GatewayException;

/**
 * Resolves an upstream host at connect time and refuses addresses an agent must never reach
 * through the Gateway: link-local and cloud metadata (169.254.0.0/16, fe80::/10, fd00:ec2::254),
 * plus loopback and private ranges when configured. Checking the resolved address (not the name)
 * defeats DNS rebinding. Thread-safe.
 */
public final class UpstreamGuard {
  private final boolean allowLoopback;
  private final boolean allowPrivate;

  public UpstreamGuard(boolean allowLoopback, boolean allowPrivate) {
    this.allowLoopback = allowLoopback;
    this.allowPrivate = allowPrivate;
  }

  /** The address to connect to for {@code upstream}, or a 502 when it is refused or unknown. */
  public InetSocketAddress resolve(URI upstream) throws GatewayException {
    String host = upstream.getHost();
    if (host == null) {
      throw GatewayException.of(Reason.UPSTREAM_INVALID, "upstream url has no host");
    }
    int port = upstream.getPort() > 0 ? upstream.getPort() : ("https".equals(upstream.getScheme()) ? 443 : 80);
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw GatewayException.of(Reason.UPSTREAM_UNRESOLVABLE, "upstream host `" + host + "` does not resolve");
    }
    check(address);
    return new InetSocketAddress(address, port);
  }

  /** Refuses forbidden address ranges. */
  public void check(InetAddress address) throws GatewayException {
    byte[] a = address.getAddress();
    boolean metadata = a.length == 4 ? (a[0] & 0xff) == 169 && (a[1] & 0xff) == 254
        : (a[0] & 0xff) == 0xfe && (a[1] & 0xc0) == 0x80 || isEc2Metadata6(a);
    if (metadata || address.isLinkLocalAddress() || address.isAnyLocalAddress() || address.isMulticastAddress()) {
      throw GatewayException.of(Reason.UPSTREAM_FORBIDDEN, "upstream address is link-local or metadata and is refused");
    }
    if (!allowLoopback && address.isLoopbackAddress()) {
      throw GatewayException.of(Reason.UPSTREAM_FORBIDDEN, "loopback upstreams are refused by configuration");
    }
    if (!allowPrivate && (address.isSiteLocalAddress() || (address instanceof Inet6Address && (a[0] & 0xfe) == 0xfc))) {
      throw GatewayException.of(Reason.UPSTREAM_FORBIDDEN, "private-range upstreams are refused by configuration");
    }
  }

  private static boolean isEc2Metadata6(byte[] a) {
    if (a.length != 16) {
      return false;
    }
    byte[] ec2 = {(byte) 0xfd, 0x00, 0x0e, (byte) 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
    return Arrays.equals(a, ec2);
  }
}
