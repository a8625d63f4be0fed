package run.caracal.gateway.proxy;

import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import run.caracal.gateway.authz.GatewayAuthorizer;

/**
 * While a response streams (long downloads, server-sent events), the session and token behind it
 * are re-checked every {@link #PERIOD} off the event loop; when one was revoked,
 * {@link ClientHandler#revoked} cuts the response. The check stops with the exchange (its timer is
 * {@link Exchange#revocationCheck}). Holds no state; started on the client's event loop.
 */
final class RevocationWatch {
  static final Duration PERIOD = Duration.ofSeconds(1);

  private RevocationWatch() {}

  /** Starts re-checking {@code ex}, whose response just started. */
  static void start(ClientHandler client, Exchange ex, EventExecutor loop, GatewayAuthorizer authorizer, Executor blocking) {
    ex.revocationCheck = loop.scheduleAtFixedRate(() -> check(client, ex, loop, authorizer, blocking),
        PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static void check(ClientHandler client, Exchange ex, EventExecutor loop, GatewayAuthorizer authorizer,
      Executor blocking) {
    if (!client.isLive(ex)) {
      ex.cancelTimers();
      return;
    }
    blocking.execute(() -> {
      boolean valid = authorizer.stillAuthorized(ex.authorized);
      if (!valid) {
        loop.execute(() -> client.revoked(ex));
      }
    });
  }
}
