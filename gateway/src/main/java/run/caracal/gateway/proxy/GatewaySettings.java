package run.caracal.gateway.proxy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Limits and timeouts of the Gateway, and an optional PEM file of CA certificates trusted for
 * `https://` upstreams besides the JDK's (an internal CA).
 */
public record GatewaySettings(
    int maxInitialLine, int maxHeaderBytes, int maxChunk, long maxBodyBytes,
    Duration connectTimeout, Duration firstByteTimeout, Duration idleTimeout, Optional<Path> upstreamCaFile) {
  public static final GatewaySettings DEFAULTS = new GatewaySettings(8192, 16 * 1024, 64 * 1024, 1L << 30,
      Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(60), Optional.empty());

  public GatewaySettings withUpstreamCaFile(Optional<Path> file) {
    return new GatewaySettings(maxInitialLine, maxHeaderBytes, maxChunk, maxBodyBytes, connectTimeout, firstByteTimeout,
        idleTimeout, file);
  }
}
