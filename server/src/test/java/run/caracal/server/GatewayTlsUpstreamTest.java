package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.control.limit.RateLimiter;
import run.caracal.control.token.TokenVerifier;
import run.caracal.gateway.authz.GatewayAuthorizer;
import run.caracal.gateway.net.UpstreamGuard;
import run.caracal.gateway.proxy.GatewayServer;
import run.caracal.gateway.proxy.GatewaySettings;
import run.caracal.server.home.CaracalHome;
import run.caracal.sts.token.Lifetimes;

/**
 * `https://` upstreams: the Gateway speaks TLS to them, trusts the JDK's CAs plus an optional CA
 * file, and verifies the upstream's host name. The upstream is a real TLS server with a
 * certificate made by `keytool` for `localhost` only.
 */
class GatewayTlsUpstreamTest {
  static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: tls}
      spec:
        resources: ["resource://tls-*"]
        rules:
          - name: read
            effect: allow
            scopes: ["read"]
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: tls}
      spec: {policies: [tls]}
      """;

  @TempDir static Path home;
  @TempDir static Path certs;
  static CaracalServer server;
  static GatewayServer trusting;
  static HttpsServer upstream;
  static final AtomicInteger served = new AtomicInteger();
  static final Map<String, String> tokens = new java.util.HashMap<>();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    Path keystore = certs.resolve("upstream.p12");
    keytool("-genkeypair", "-alias", "upstream", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
        "-dname", "CN=localhost", "-ext", "san=dns:localhost", "-keystore", keystore.toString(), "-storetype", "PKCS12",
        "-storepass", "changeit", "-keypass", "changeit");
    Path ca = certs.resolve("upstream-ca.pem");
    keytool("-exportcert", "-rfc", "-alias", "upstream", "-keystore", keystore.toString(), "-storepass", "changeit",
        "-file", ca.toString());

    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    upstream = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.setHttpsConfigurator(new HttpsConfigurator(tls));
    upstream.createContext("/", ex -> {
      served.incrementAndGet();
      byte[] out = ("tls " + ex.getRequestMethod() + " " + ex.getRequestURI() + " auth=" + ex.getRequestHeaders().getFirst("Authorization"))
          .getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    upstream.start();
    int port = upstream.getAddress().getPort();

    server = CaracalServer.start(new ServerSettings(new CaracalHome(home), Optional.empty(), Optional.empty(), Optional.empty(),
        "127.0.0.1", 0, 0, Optional.empty(), Set.of("control", "sts", "gateway")));
    Clock clock = Clock.systemUTC();
    trusting = GatewayServer.start("127.0.0.1", 0, new GatewayAuthorizer(server.control(),
        new TokenVerifier(server.control().keys(), server.stsUrl(), clock, Lifetimes.DEFAULTS.clockSkew()),
        new UpstreamGuard(true, true), clock, new RateLimiter(1_000_000, 2_000_000, System::nanoTime)), server.ledger(),
        GatewaySettings.DEFAULTS.withUpstreamCaFile(Optional.of(ca)));

    TestClient client = new TestClient(server.stsUrl(), Files.readString(home.resolve("admin.token")).trim());
    TestClient.App app = client.zoneWithApp("tls", "reader");
    Map<String, String> upstreams = Map.of("resource://tls-by-name", "https://localhost:" + port,
        "resource://tls-by-ip", "https://127.0.0.1:" + port);
    for (var e : upstreams.entrySet()) {
      var r = client.admin("PUT", "/admin/v1/zones/tls/resources", Map.of("id", e.getKey(), "scopes", List.of("read"),
          "upstream", e.getValue(), "upstream_credential", "sk_tls_provider"));
      assertEquals(200, r.status(), r.raw().body());
    }
    client.activate("tls", POLICY, "tls");
    for (String resource : upstreams.keySet()) {
      tokens.put(resource, client.resourceToken(app, resource, "read"));
    }
  }

  @AfterAll
  static void stop() {
    if (trusting != null) {
      trusting.close();
    }
    if (server != null) {
      server.close();
    }
    if (upstream != null) {
      upstream.stop(0);
    }
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool failed: " + out);
  }

  private static HttpResponse<String> get(String gateway, String resource) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(gateway + "/orders/7")).header("Authorization", "Bearer " + tokens.get(resource))
        .header("X-Caracal-Resource", resource).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void trustedCertificate_forwardedOverTlsWithTheProviderCredential() throws Exception {
    HttpResponse<String> r = get("http://127.0.0.1:" + trusting.port(), "resource://tls-by-name");

    assertEquals(200, r.statusCode(), r.body());
    assertEquals("tls GET /orders/7 auth=Bearer sk_tls_provider", r.body());
  }

  @Test
  void certificateNotTrusted_502UpstreamTlsFailed_nothingReachesTheUpstream() throws Exception {
    int before = served.get();
    HttpResponse<String> r = get(server.gatewayUrl().orElseThrow(), "resource://tls-by-name");

    assertEquals(502, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"reason\":\"upstream_tls_failed\""), r.body());
    assertEquals(before, served.get());
  }

  @Test
  void hostNameNotInTheCertificate_502UpstreamTlsFailed() throws Exception {
    int before = served.get();
    HttpResponse<String> r = get("http://127.0.0.1:" + trusting.port(), "resource://tls-by-ip");

    assertEquals(502, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"reason\":\"upstream_tls_failed\""), r.body());
    assertEquals(before, served.get());
  }

  @Test
  void caFileWithoutCertificates_refusedAtStart() throws Exception {
    Path empty = Files.writeString(certs.resolve("empty.pem"), "not a certificate\n");
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> run.caracal.gateway.net.UpstreamTls.create(Optional.of(empty)));
    assertTrue(e.getMessage().contains("cannot set up TLS to upstreams"), e.getMessage());
  }
}
