package run.caracal.sdk;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;

/**
 * An HTTP client bound to the current agent session (of the calling thread, at send time).
 *
 * <p>Every request sent inside a spawn gets a W3C {@code traceparent} in the session's trace.
 * Requests to the Gateway (a URL under the Gateway with {@code X-Caracal-Resource}) and to a URL
 * under a credential's {@code upstream_prefix} (rewritten to go through the Gateway) also get
 * {@code Authorization} with a fresh token of the current session and {@code baggage} carrying the
 * session id and hop; no other host sees a token or the session id, and Gateway requests do not
 * follow redirects. Idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) with a
 * replayable body are retried on network failures and 502/503/504, and once with a new token when
 * the Gateway says the token expired; POST and PATCH are never retried, except with
 * {@link TransportOptions#waitForApproval(java.time.Duration)}: a request the Gateway holds for a
 * person's approval (403 {@code approval_required}, nothing forwarded) is sent again, identical,
 * once the approval is approved. A body is replayable when
 * it is a string, byte array, file or nothing from {@link HttpRequest.BodyPublishers}; any other
 * publisher (an input stream, a {@code Flow.Publisher}) is streamed once and never sent again.
 * Under {@code caracal run} ({@code CARACAL_RUN} set) a held request prints one line to stderr
 * with the command that approves it.
 *
 * <p>Both bodies stream: a request body is read from its publisher as it is sent, and a response
 * body is handed to the caller's {@link HttpResponse.BodyHandler} as it arrives, so
 * {@code ofInputStream()}, {@code ofLines()} and {@code ofPublisher()} see server-sent events as
 * they are produced. Only responses the transport must read to decide (a status it may retry, a
 * {@code 401} it may renew the token for, any status ≥ 400 with {@code throwOnError}) are read
 * whole first. Thread-safe.
 */
public final class Transport {
  private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");
  private static final Set<Integer> RETRY_STATUSES = Set.of(502, 503, 504);
  private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

  private final Caracal client;
  private final TransportOptions options;
  private final Set<String> announced = ConcurrentHashMap.newKeySet();

  Transport(Caracal client, TransportOptions options) {
    this.client = client;
    this.options = options;
  }

  /** GET {@code url} with {@code headers}; the body as a string. */
  public HttpResponse<String> get(String url, Map<String, String> headers) {
    return send(build("GET", url, headers, null));
  }

  /** GET {@code url} with {@code headers}; the body as {@code handler} makes it, while it streams in. */
  public <T> HttpResponse<T> get(String url, Map<String, String> headers, HttpResponse.BodyHandler<T> handler) {
    return send(build("GET", url, headers, null), handler);
  }

  /** POST {@code body} (UTF-8) to {@code url} with {@code headers}; never retried. */
  public HttpResponse<String> post(String url, Map<String, String> headers, String body) {
    return send(build("POST", url, headers, string(body)));
  }

  /** Any method; {@code body} may be null. */
  public HttpResponse<String> request(String method, String url, Map<String, String> headers, String body) {
    return send(build(method, url, headers, string(body)));
  }

  /**
   * Any method, with the request body read from {@code body} as it is sent (a file, an input
   * stream, a {@code Flow.Publisher}; null for none) and the response body made by {@code handler}
   * as it arrives. Only a string, byte array, file or empty body is ever sent twice (see the class
   * comment).
   */
  public <T> HttpResponse<T> request(String method, String url, Map<String, String> headers, HttpRequest.BodyPublisher body,
      HttpResponse.BodyHandler<T> handler) {
    return send(build(method, url, headers, body), handler);
  }

  public HttpResponse<String> send(HttpRequest request) {
    return send(request, HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Sends {@code request} as described in the class comment and returns once the response headers
   * are in; the body is {@code handler}'s, streamed as it arrives ({@code ofInputStream()},
   * {@code ofLines()} and {@code ofPublisher()} return before the body has been read). A response
   * the transport must read to decide — a 502/503/504 or {@code 401} it may retry, or any status
   * ≥ 400 with {@code throwOnError} — is read whole first and then handed to {@code handler}.
   *
   * @throws CaracalException the host could not be reached (after retries, when the request may be retried),
   *     or with {@code throwOnError} a status ≥ 400 ({@link GatewayException} when the Gateway refused)
   */
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    String method = request.method().toUpperCase(Locale.ROOT);
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    request.headers().map().forEach((name, values) -> headers.put(name, new ArrayList<>(values)));
    HttpRequest.BodyPublisher body = request.bodyPublisher().orElse(HttpRequest.BodyPublishers.noBody());
    Route route = Route.plan(client, request.uri().toString(), headers);
    boolean idempotent = IDEMPOTENT.contains(method) && Delivery.replayable(body);
    HttpClient http = route.gatewayBound ? client.gatewayHttp : client.plainHttp;
    boolean waits = !options.waitForApproval().isZero() && Delivery.replayable(body);
    boolean readsHolds = route.gatewayBound && (waits || client.environment("CARACAL_RUN") != null);
    boolean renewed = false;
    boolean waited = false;
    long deadline = 0;
    for (int attempt = 0; ; attempt++) {
      HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(route.url)).method(method, body)
          .expectContinue(request.expectContinue()).version(request.version().orElse(HttpClient.Version.HTTP_1_1));
      request.timeout().ifPresent(builder::timeout);
      route.headers.forEach((name, values) -> {
        if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) values.forEach(v -> builder.header(name, v));
      });
      HttpRequest outgoing = builder.build();
      boolean mayRetry = idempotent && attempt < options.retries();
      boolean mayRenew = (idempotent || waited) && !renewed && route.canRenew();
      IntPredicate hold = status -> (mayRetry && RETRY_STATUSES.contains(status)) || (mayRenew && status == 401)
          || (options.throwOnError() && status >= 400) || (readsHolds && status == 403);
      HttpResponse<Delivery<T>> response;
      try {
        response = http.send(outgoing, Delivery.handler(handler, hold));
      } catch (IOException e) {
        if (mayRetry) {
          StsClient.sleep(200L << attempt);
          continue;
        }
        if (!route.gatewayBound) {
          throw new CaracalException(method + " " + route.url + ": " + e, "upstream_unreachable", null, 0, null, e);
        }
        throw new CaracalException(method + " " + route.url + ": cannot reach the gateway (" + e + ")",
            "gateway_unreachable", null, 0, null, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CaracalException(method + " " + route.url + ": interrupted", "interrupted", null, 0, null, e);
      }
      Delivery<T> delivery = response.body();
      if (!delivery.isHeld()) {
        return delivery.toCaller(response, handler);
      }
      HttpResponse<byte[]> held = delivery.heldResponse(response);
      if (mayRetry && RETRY_STATUSES.contains(held.statusCode())) {
        StsClient.sleep(200L << attempt);
        continue;
      }
      if (mayRenew && held.statusCode() == 401) {
        Optional<CaracalException> error = GatewayException.fromResponse(held);
        if (error.isPresent() && "token_expired".equals(error.get().reason())) {
          renewed = true;
          route.renew();
          continue;
        }
      }
      Optional<ApprovalWait.Held> approval = held.statusCode() == 403 && readsHolds ? ApprovalWait.Held.of(held) : Optional.empty();
      if (approval.isPresent()) {
        ApprovalWait.Held h = approval.get();
        if (!h.denied() && client.environment("CARACAL_RUN") != null && announced.add(h.approvalId())) {
          byte[] line = (ApprovalWait.hint(h.approvalId()) + "\n").getBytes(StandardCharsets.UTF_8);
          System.err.write(line, 0, line.length);
          System.err.flush();
        }
        if (waits) {
          if (h.denied()) throw new ApprovalDeniedException(h.approvalId(), h.requestId());
          if (deadline == 0) deadline = System.nanoTime() + options.waitForApproval().toNanos();
          ApprovalWait.await(http, client.profile().gatewayUrl().replaceAll("/+$", ""), () -> first(route.headers, "Authorization"),
              route.canRenew() ? route::renew : null, h, deadline, request.timeout());
          waited = true;
          renewed = false;
          attempt = -1;
          continue;
        }
      }
      if (options.throwOnError() && held.statusCode() >= 400) {
        Optional<CaracalException> error = GatewayException.fromResponse(held);
        if (error.isPresent()) throw error.get();
      }
      return delivery.toCaller(response, handler);
    }
  }

  private static HttpRequest.BodyPublisher string(String body) {
    return body == null ? null : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
  }

  private static HttpRequest build(String method, String url, Map<String, String> headers, HttpRequest.BodyPublisher body) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).method(method,
        body == null ? HttpRequest.BodyPublishers.noBody() : body);
    if (headers != null) {
      headers.forEach((name, value) -> {
        if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) builder.header(name, value);
      });
    }
    return builder.build();
  }

  /** Where one request goes and with which headers; {@code renew} swaps in a new token. */
  private static final class Route {
    final String url;
    final Map<String, List<String>> headers;
    final boolean gatewayBound;
    private final AgentSession session;
    private final String resource;
    private final List<String> scopes;

    private Route(String url, Map<String, List<String>> headers, boolean gatewayBound, AgentSession session, String resource,
        List<String> scopes) {
      this.url = url;
      this.headers = headers;
      this.gatewayBound = gatewayBound;
      this.session = session;
      this.resource = resource;
      this.scopes = scopes;
    }

    boolean canRenew() {
      return session != null;
    }

    void renew() {
      String token = session.tokens.get(resource, scopes, bearer(headers));
      headers.put("Authorization", List.of("Bearer " + token));
    }

    static Route plan(Caracal client, String url, Map<String, List<String>> headers) {
      AgentSession session = client.currentSession().orElse(null);
      String gateway = client.profile().gatewayUrl().replaceAll("/+$", "");
      String resource = first(headers, "X-Caracal-Resource");
      boolean viaPrefix = false;
      if (!(!gateway.isEmpty() && resource != null && under(url, gateway))) {
        String[] match = matchPrefix(client, url);
        if (match == null) {
          if (session != null && !headers.containsKey("traceparent")) headers.put("traceparent", List.of(session.traceparent()));
          return new Route(url, headers, false, null, null, null);
        }
        if (gateway.isEmpty()) {
          throw new ConfigException("`" + url + "` is under the upstream prefix of `" + match[0] + "`, but no gateway url is "
              + "configured (set `gateway_url` in the profile or CARACAL_GATEWAY_URL)");
        }
        url = gateway + match[1];
        resource = match[0];
        headers.put("X-Caracal-Resource", List.of(resource));
        viaPrefix = true;
      }
      if (session == null) {
        if (viaPrefix) {
          throw new NoActiveSessionException("`" + url + "` goes through the gateway to `" + resource + "`, which needs an "
              + "agent session: send it inside `caracal.spawn(session -> { ... })`");
        }
        return new Route(url, headers, true, null, null, null); // a caller's own token, passed through untouched
      }
      String presented = bearer(headers);
      List<String> scopes = null;
      if (presented == null) {
        scopes = client.defaultScopes(session, resource);
      } else {
        for (AgentSession node = session; node != null; node = node.parent().orElse(null)) {
          TokenCache.Key key = node.tokens.keyOf(presented);
          if (key != null) {
            if (key.resource().equals(resource)) scopes = key.scopes();
            break;
          }
        }
      }
      if (!headers.containsKey("traceparent")) headers.put("traceparent", List.of(session.traceparent()));
      headers.put("baggage", List.of(mergeBaggage(first(headers, "baggage"), session)));
      if (scopes == null) {
        return new Route(url, headers, true, null, null, null); // a token this SDK did not issue: left as given
      }
      headers.put("Authorization", List.of("Bearer " + session.tokens.get(resource, scopes, null)));
      return new Route(url, headers, true, session, resource, scopes);
    }
  }

  private static String[] matchPrefix(Caracal client, String url) {
    String bestResource = null;
    String bestRest = null;
    int bestLength = -1;
    for (Profile.Credential c : client.profile().credentials()) {
      String prefix = c.upstreamPrefix().orElse("").replaceAll("/+$", "");
      if (prefix.isEmpty() || !under(url, prefix)) continue;
      if (prefix.length() > bestLength) {
        bestResource = c.resource();
        bestRest = url.substring(prefix.length());
        bestLength = prefix.length();
      }
    }
    if (bestResource == null) return null;
    return new String[] {bestResource, bestRest.startsWith("/") ? bestRest : "/" + bestRest};
  }

  /** Whether {@code url} is {@code base} or below it ({@code http://h/api} covers {@code http://h/api/x} and {@code ?q}, not {@code http://h/apix}). */
  static boolean under(String url, String base) {
    if (!url.startsWith(base)) return false;
    String rest = url.substring(base.length());
    return rest.isEmpty() || "/?#".indexOf(rest.charAt(0)) >= 0;
  }

  private static String first(Map<String, List<String>> headers, String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  private static String bearer(Map<String, List<String>> headers) {
    String value = first(headers, "Authorization");
    return value != null && value.length() > 7 && value.substring(0, 7).equalsIgnoreCase("bearer ") ? value.substring(7).trim() : null;
  }

  /** Keeps the caller's baggage members and replaces Caracal's with the current session's. */
  static String mergeBaggage(String existing, AgentSession session) {
    List<String> kept = new ArrayList<>();
    if (existing != null) {
      for (String member : existing.split(",")) {
        String m = member.trim();
        if (!m.isEmpty() && !m.split("=", 2)[0].trim().startsWith("caracal.")) kept.add(m);
      }
    }
    kept.add(session.baggage());
    return String.join(",", kept);
  }
}
