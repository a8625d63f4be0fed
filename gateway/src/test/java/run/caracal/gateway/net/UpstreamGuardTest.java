package run.caracal.gateway.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import run.caracal.gateway.GatewayException;

class UpstreamGuardTest {
  private static final UpstreamGuard PERMISSIVE = new UpstreamGuard(true, true);
  private static final UpstreamGuard STRICT = new UpstreamGuard(false, false);

  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  private static void assertForbidden(UpstreamGuard guard, String literal) {
    GatewayException e = assertThrows(GatewayException.class, () -> guard.check(ip(literal)), literal);
    assertEquals(502, e.status(), literal);
    assertEquals("upstream_forbidden", e.reason(), literal);
  }

  @ParameterizedTest
  @ValueSource(strings = {"169.254.169.254", "169.254.0.1", "169.254.255.255", "fe80::1", "fe80::a9fe:a9fe", "febf::1",
      "fd00:ec2::254", "::ffff:169.254.169.254", "0.0.0.0", "::", "224.0.0.1", "ff02::1"})
  void check_linkLocalMetadataAnyOrMulticast_refusedEvenWhenLoopbackAndPrivateAllowed(String literal) {
    assertForbidden(PERMISSIVE, literal);
    assertForbidden(STRICT, literal);
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.10.0.1", "::1"})
  void check_loopback_allowedByDefaultRefusedWhenConfigured(String literal) throws GatewayException {
    PERMISSIVE.check(ip(literal));
    new UpstreamGuard(true, false).check(ip(literal));
    assertForbidden(new UpstreamGuard(false, true), literal);
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1", "fd12:3456::1", "fc00::1"})
  void check_privateRange_allowedByDefaultRefusedWhenConfigured(String literal) throws GatewayException {
    PERMISSIVE.check(ip(literal));
    new UpstreamGuard(false, true).check(ip(literal));
    assertForbidden(new UpstreamGuard(true, false), literal);
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "172.32.0.1", "169.253.255.255", "169.255.0.1", "2001:db8::1"})
  void check_publicAddress_allowedEvenWhenStrict(String literal) throws GatewayException {
    STRICT.check(ip(literal));
    PERMISSIVE.check(ip(literal));
  }

  @Test
  void check_ec2MetadataNeighbour_isOnlyPrivate() throws GatewayException {
    PERMISSIVE.check(ip("fd00:ec2::253"));
    assertForbidden(new UpstreamGuard(true, false), "fd00:ec2::253");
  }

  @Test
  void resolve_metadataUrl_refused() {
    GatewayException e = assertThrows(GatewayException.class, () -> PERMISSIVE.resolve(URI.create("http://169.254.169.254/latest/meta-data/")));
    assertEquals("upstream_forbidden", e.reason());
    e = assertThrows(GatewayException.class, () -> PERMISSIVE.resolve(URI.create("http://[fd00:ec2::254]/latest/")));
    assertEquals("upstream_forbidden", e.reason());
  }

  @Test
  void resolve_decimalSpelledMetadataAddress_refusedOnTheResolvedAddress() {
    // 2852039166 is 169.254.169.254 written as one number: the check applies to what it resolves to
    GatewayException e = assertThrows(GatewayException.class, () -> PERMISSIVE.resolve(URI.create("http://2852039166/")));
    assertEquals("upstream_forbidden", e.reason());
  }

  @Test
  void resolve_localhostName_refusedWhenLoopbackIsOff() throws GatewayException {
    assertEquals(new InetSocketAddress(ip("127.0.0.1"), 8080), PERMISSIVE.resolve(URI.create("http://127.0.0.1:8080/base")));
    GatewayException e = assertThrows(GatewayException.class, () -> STRICT.resolve(URI.create("http://localhost:8080/")));
    assertEquals("upstream_forbidden", e.reason());
  }

  @Test
  void resolve_defaultPorts_followTheScheme() throws GatewayException {
    assertEquals(80, PERMISSIVE.resolve(URI.create("http://127.0.0.1/")).getPort());
    assertEquals(443, PERMISSIVE.resolve(URI.create("https://127.0.0.1/")).getPort());
  }

  @Test
  void resolve_noHostOrUnknownHost_502WithReason() {
    GatewayException noHost = assertThrows(GatewayException.class, () -> PERMISSIVE.resolve(URI.create("file:///etc/passwd")));
    assertEquals(502, noHost.status());
    assertEquals("upstream_invalid", noHost.reason());
    GatewayException unknown = assertThrows(GatewayException.class, () -> PERMISSIVE.resolve(URI.create("http://no-such-host.invalid/")));
    assertEquals(502, unknown.status());
    assertEquals("upstream_unresolvable", unknown.reason());
  }
}
