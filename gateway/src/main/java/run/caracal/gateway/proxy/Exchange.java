package run.caracal.gateway.proxy;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import run.caracal.gateway.authz.Authorized;

/**
 * The state of one request in flight on a client connection, from its head to the end of its
 * response: what was decided, how far the response got, the counts its result record reports,
 * and the timers running for it. A new one per request; the client handler compares identities
 * to drop callbacks of an exchange that is over. Confined to the connection's event loop (a worker
 * only reads the fields set before it was handed the exchange).
 */
final class Exchange {
  HttpRequest request;
  String requestId;
  String traceId;
  ExchangeTrace trace = ExchangeTrace.OFF;
  Authorized authorized;
  boolean keepAlive;
  boolean responseStarted;
  int status;
  int upstreamStatus;
  long bytesIn;
  long bytesOut;
  long started = System.nanoTime();
  ScheduledFuture<?> firstByteTimer;
  ScheduledFuture<?> revocationCheck;
  /** The body read before deciding, while it is held; null when the request is not buffered. */
  BodyBuffer body;
  /** Whether the body was read before the Gateway knew the decision needs it (small, of known length). */
  boolean readEarly;
  /** The MCP list answer held to be filtered; null until one arrives. */
  HeldListAnswer held;
  List<String> hidden = List.of();
  UpstreamPool.Key upstreamKey;
  boolean upstreamKeepAlive;
  boolean upstreamDone;

  /** Stops the first-byte timer and the revocation check, whichever run. */
  void cancelTimers() {
    if (firstByteTimer != null) {
      firstByteTimer.cancel(false);
    }
    if (revocationCheck != null) {
      revocationCheck.cancel(false);
    }
  }

  /** Microseconds since the request's head arrived. */
  long micros() {
    return (System.nanoTime() - started) / 1000;
  }
}
