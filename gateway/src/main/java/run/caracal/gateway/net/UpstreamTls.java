package run.caracal.gateway.net;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS to `https://` upstreams: the JDK's trusted CAs, plus the CA certificates of an optional
 * PEM file (an internal CA), with the upstream's host name verified against its certificate and
 * sent as SNI. One context for the whole Gateway. Thread-safe.
 */
public final class UpstreamTls {
  private final SslContext context;

  private UpstreamTls(SslContext context) {
    this.context = context;
  }

  /** The JDK's trust store, plus every certificate in {@code extraCaPem} when given. */
  public static UpstreamTls create(Optional<Path> extraCaPem) {
    try {
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      int n = 0;
      for (X509Certificate ca : jdkTrusted()) {
        trusted.setCertificateEntry("jdk-" + n++, ca);
      }
      if (extraCaPem.isPresent()) {
        Collection<? extends Certificate> extra = readPem(extraCaPem.get());
        if (extra.isEmpty()) {
          throw new IllegalArgumentException("upstream CA file `" + extraCaPem.get() + "` holds no certificate");
        }
        for (Certificate ca : extra) {
          trusted.setCertificateEntry("extra-" + n++, ca);
        }
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trusted);
      return new UpstreamTls(SslContextBuilder.forClient().trustManager(tmf).build());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot set up TLS to upstreams: " + e.getMessage(), e);
    }
  }

  /** A handler for one connection to {@code host}: SNI and host-name verification on. */
  public SslHandler newHandler(ByteBufAllocator alloc, String host, int port) {
    SslHandler handler = context.newHandler(alloc, host, port);
    SSLEngine engine = handler.engine();
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    engine.setSSLParameters(parameters);
    return handler;
  }

  private static X509Certificate[] jdkTrusted() throws GeneralSecurityException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager x509) {
        return x509.getAcceptedIssuers();
      }
    }
    return new X509Certificate[0];
  }

  private static Collection<? extends Certificate> readPem(Path file) throws IOException, GeneralSecurityException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("upstream CA file `" + file + "` does not exist");
    }
    try (InputStream in = Files.newInputStream(file)) {
      return CertificateFactory.getInstance("X.509").generateCertificates(in);
    }
  }
}
