package run.caracal.server;

import io.netty.util.internal.PlatformDependent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import run.caracal.control.token.TokenVerifier;
import run.caracal.gateway.authz.GatewayAuthorizer;
import run.caracal.gateway.net.UpstreamGuard;
import run.caracal.gateway.proxy.GatewayServer;
import run.caracal.gateway.proxy.GatewaySettings;
import run.caracal.server.home.CaracalHome;
import run.caracal.sts.token.Lifetimes;

/**
 * A server in a process of its own, for tests that must run it with a small heap: control, STS
 * and the Gateway as `serve` wires them, plus a second Gateway on the same control plane with
 * short timeouts. Prints `ready STS_URL GATEWAY_URL SHORT_TIMEOUT_GATEWAY_URL` on stdout, answers
 * `stats` on stdin with the peak heap and direct memory seen since the last `stats`, and stops
 * when stdin closes (so it never outlives the test JVM).
 *
 * <p>Usage: {@code java -cp TEST_CLASSPATH run.caracal.server.GatewayTestProcess HOME}
 */
final class GatewayTestProcess {
  static final GatewaySettings SHORT_TIMEOUTS = new GatewaySettings(8192, 16 * 1024, 64 * 1024, 1L << 30,
      Duration.ofSeconds(1), Duration.ofMillis(1500), Duration.ofSeconds(5), Optional.empty());

  private GatewayTestProcess() {}

  public static void main(String[] args) throws Exception {
    CaracalServer server = CaracalServer.start(new ServerSettings(new CaracalHome(Path.of(args[0])), Optional.empty(), Optional.empty(),
        Optional.empty(), "127.0.0.1", 0, 0, Optional.empty(), Set.of("control", "sts", "gateway")));
    Clock clock = Clock.systemUTC();
    TokenVerifier verifier = new TokenVerifier(server.control().keys(), server.stsUrl(), clock, Lifetimes.DEFAULTS.clockSkew());
    GatewayServer shortTimeouts = GatewayServer.start("127.0.0.1", 0,
        new GatewayAuthorizer(server.control(), verifier, new UpstreamGuard(true, true), clock,
            new run.caracal.control.limit.RateLimiter(1_000_000, 2_000_000, System::nanoTime)), server.ledger(), SHORT_TIMEOUTS);
    AtomicLong heapPeak = new AtomicLong();
    AtomicLong directPeak = new AtomicLong();
    Thread sampler = new Thread(() -> {
      var heap = ManagementFactory.getMemoryMXBean();
      var pools = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class);
      while (true) {
        heapPeak.accumulateAndGet(heap.getHeapMemoryUsage().getUsed(), Math::max);
        long direct = Math.max(0, PlatformDependent.usedDirectMemory());
        for (BufferPoolMXBean pool : pools) {
          if (pool.getName().equals("direct")) {
            direct += pool.getMemoryUsed();
          }
        }
        directPeak.accumulateAndGet(direct, Math::max);
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "memory-sampler");
    sampler.setDaemon(true);
    sampler.start();
    System.out.println("ready " + server.stsUrl() + " " + server.gatewayUrl().orElseThrow() + " http://127.0.0.1:" + shortTimeouts.port());
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.equals("stats")) {
        System.out.println("stats " + heapPeak.getAndSet(0) + " " + directPeak.getAndSet(0) + " " + Runtime.getRuntime().maxMemory());
        System.out.flush();
      }
    }
    shortTimeouts.close();
    server.close();
    System.exit(0);
  }
}
