package run.caracal.sdk;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Flow;
import java.util.function.IntPredicate;
import javax.net.ssl.SSLSession;

/**
 * The body of one attempt as the {@link Transport} received it: either the caller's own body,
 * produced by the caller's handler while the response streams in, or — for a status the transport
 * must read before it decides (a retry, a token renewal, {@code throwOnError}) — the bytes, held
 * until they are handed to the caller's handler. Immutable.
 */
final class Delivery<T> {
  /**
   * The JDK's publishers that read from memory or reopen a file at each subscription, and so can
   * be sent again; the file publisher is named, as making one needs a file.
   */
  private static final Set<String> REPLAYABLE = Set.of(
      HttpRequest.BodyPublishers.noBody().getClass().getName(),
      HttpRequest.BodyPublishers.ofString("").getClass().getName(),
      HttpRequest.BodyPublishers.ofByteArray(new byte[0]).getClass().getName(),
      "jdk.internal.net.http.RequestPublishers$FilePublisher");

  private final byte[] held;
  private final T body;

  private Delivery(byte[] held, T body) {
    this.held = held;
    this.body = body;
  }

  /**
   * Whether {@code body} may be sent more than once: a string, byte array, file or no body from
   * {@link HttpRequest.BodyPublishers}. Any other publisher (an input stream, an iterable, a
   * {@code Flow.Publisher}, one of the caller's own) streams once and is never replayed.
   */
  static boolean replayable(HttpRequest.BodyPublisher body) {
    return body.contentLength() >= 0 && REPLAYABLE.contains(body.getClass().getName());
  }

  /** A handler that holds the bytes of a response whose status {@code hold} accepts and streams any other into {@code caller}'s handler. */
  static <T> HttpResponse.BodyHandler<Delivery<T>> handler(HttpResponse.BodyHandler<T> caller, IntPredicate hold) {
    return info -> hold.test(info.statusCode())
        ? HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofByteArray(), bytes -> new Delivery<T>(bytes, null))
        : HttpResponse.BodySubscribers.mapping(caller.apply(info), value -> new Delivery<T>(null, value));
  }

  boolean isHeld() {
    return held != null;
  }

  /** The held bytes as a response, for reading an error from it. */
  HttpResponse<byte[]> heldResponse(HttpResponse<?> raw) {
    return view(raw, held);
  }

  /** The response the caller sees: its handler's body, fed from the held bytes when they were held. */
  HttpResponse<T> toCaller(HttpResponse<?> raw, HttpResponse.BodyHandler<T> handler) {
    if (!isHeld()) return view(raw, body);
    HttpResponse.ResponseInfo info = new HttpResponse.ResponseInfo() {
      @Override public int statusCode() { return raw.statusCode(); }
      @Override public HttpHeaders headers() { return raw.headers(); }
      @Override public HttpClient.Version version() { return raw.version(); }
    };
    HttpResponse.BodySubscriber<T> subscriber = handler.apply(info);
    subscriber.onSubscribe(new HeldSubscription(subscriber, held));
    return view(raw, subscriber.getBody().toCompletableFuture().join());
  }

  private static <U> HttpResponse<U> view(HttpResponse<?> raw, U body) {
    return new HttpResponse<>() {
      @Override public int statusCode() { return raw.statusCode(); }
      @Override public HttpRequest request() { return raw.request(); }
      @Override public Optional<HttpResponse<U>> previousResponse() { return Optional.empty(); }
      @Override public HttpHeaders headers() { return raw.headers(); }
      @Override public U body() { return body; }
      @Override public Optional<SSLSession> sslSession() { return raw.sslSession(); }
      @Override public URI uri() { return raw.uri(); }
      @Override public HttpClient.Version version() { return raw.version(); }
      @Override public String toString() { return raw.toString(); }
    };
  }

  /** Hands held bytes to a subscriber when it first asks for data, then completes. */
  private static final class HeldSubscription implements Flow.Subscription {
    private final HttpResponse.BodySubscriber<?> subscriber;
    private final byte[] bytes;
    private boolean done;

    HeldSubscription(HttpResponse.BodySubscriber<?> subscriber, byte[] bytes) {
      this.subscriber = subscriber;
      this.bytes = bytes;
    }

    @Override
    public void request(long n) {
      synchronized (this) {
        if (done) return;
        done = true;
      }
      if (n <= 0) {
        subscriber.onError(new IllegalArgumentException("non-positive demand: " + n));
        return;
      }
      if (bytes.length > 0) subscriber.onNext(List.of(ByteBuffer.wrap(bytes)));
      subscriber.onComplete();
    }

    @Override
    public synchronized void cancel() {
      done = true;
    }
  }
}
