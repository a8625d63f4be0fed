package run.caracal.gateway.proxy;

import java.time.Duration;

/** Limits and timeouts of the Gateway. */
public record GatewaySettings(
    int maxInitialLine, int maxHeaderBytes, int maxChunk, long maxBodyBytes,
    Duration connectTimeout, Duration firstByteTimeout, Duration idleTimeout) {
  public static final GatewaySettings DEFAULTS = new GatewaySettings(8192, 16 * 1024, 64 * 1024, 1L << 30,
      Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(60));
}
