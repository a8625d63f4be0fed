package run.caracal.control.trace;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.MDC;
import run.caracal.control.pipeline.Outcome;
import run.caracal.decision.DecisionRecord;

/**
 * The spans of the STS and the Gateway, over the OpenTelemetry API: a server span per request
 * continuing the caller's W3C `traceparent`, with children for token verification, the decision
 * (and under it the ledger append) and the upstream call. {@link #NOOP}, the default, is the API's
 * no-op: every method returns at once and nothing is recorded; the server builds an SDK-backed
 * one when an OTLP endpoint is configured. Attributes name the app, zone, resource, scopes,
 * decision, reason, request id and policy-set version; never a token or a secret. Thread-safe.
 */
public final class Tracing {
  /** Records nothing, costs nothing. */
  public static final Tracing NOOP = new Tracing(OpenTelemetry.noop(), false);

  /** The MDC key of the trace id in log lines. */
  public static final String MDC_TRACE_ID = "trace_id";

  public static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("caracal.request_id");
  public static final AttributeKey<String> ZONE = AttributeKey.stringKey("caracal.zone");
  public static final AttributeKey<String> APP = AttributeKey.stringKey("caracal.app");
  public static final AttributeKey<String> RESOURCE = AttributeKey.stringKey("caracal.resource");
  public static final AttributeKey<List<String>> SCOPES = AttributeKey.stringArrayKey("caracal.scopes");
  public static final AttributeKey<String> DECISION = AttributeKey.stringKey("caracal.decision");
  public static final AttributeKey<String> REASON = AttributeKey.stringKey("caracal.reason");
  public static final AttributeKey<String> POLICY_SET = AttributeKey.stringKey("caracal.policy_set");
  public static final AttributeKey<Long> POLICY_SET_VERSION = AttributeKey.longKey("caracal.policy_set.version");
  /** The MCP method and tool of a request to an MCP resource (OpenTelemetry's MCP semantic conventions; set by the Gateway). */
  public static final AttributeKey<String> MCP_METHOD = AttributeKey.stringKey("mcp.method.name");
  public static final AttributeKey<String> MCP_TOOL = AttributeKey.stringKey("gen_ai.tool.name");
  public static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
  public static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");

  private static final TextMapGetter<Function<String, String>> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Function<String, String> carrier) {
      return List.of("traceparent", "tracestate");
    }

    @Override
    public String get(Function<String, String> carrier, String key) {
      return carrier == null ? null : carrier.apply(key);
    }
  };

  private final OpenTelemetry otel;
  private final Tracer tracer;
  private final boolean enabled;

  private Tracing(OpenTelemetry otel, boolean enabled) {
    this.otel = otel;
    this.tracer = otel.getTracer("run.caracal");
    this.enabled = enabled;
  }

  /** Spans through {@code otel} (an SDK the caller configured and closes). */
  public static Tracing of(OpenTelemetry otel) {
    return new Tracing(otel, true);
  }

  /** Whether spans are recorded at all (false for {@link #NOOP}). */
  public boolean enabled() {
    return enabled;
  }

  /**
   * A server span for one request, continuing the trace of the caller's `traceparent` when it
   * carries one; {@code header} reads a request header by lower-case name. Invalid when disabled.
   */
  public Span serverSpan(String name, Function<String, String> header) {
    if (!enabled) {
      return Span.getInvalid();
    }
    Context parent = otel.getPropagators().getTextMapPropagator().extract(Context.root(), header, HEADERS);
    return tracer.spanBuilder(name).setSpanKind(SpanKind.SERVER).setParent(parent).startSpan();
  }

  /** A span under {@code parent}; {@code kind} is INTERNAL, or CLIENT for a call out. Invalid when disabled. */
  public Span child(String name, Span parent, SpanKind kind) {
    if (!enabled || !parent.getSpanContext().isValid()) {
      return Span.getInvalid();
    }
    return tracer.spanBuilder(name).setSpanKind(kind).setParent(Context.root().with(parent)).startSpan();
  }

  /** A span under the current one (see {@link #attach}). Invalid when disabled or when there is none. */
  public Span child(String name) {
    return child(name, Span.current(), SpanKind.INTERNAL);
  }

  /** The span's trace id (lower-case hex), when it has one. */
  public static Optional<String> traceId(Span span) {
    return span.getSpanContext().isValid() ? Optional.of(span.getSpanContext().getTraceId()) : Optional.empty();
  }

  /** The W3C `traceparent` naming {@code span} as the parent, when it is valid. */
  public static Optional<String> traceparent(Span span) {
    var c = span.getSpanContext();
    return c.isValid() ? Optional.of("00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex())
        : Optional.empty();
  }

  /**
   * Makes {@code span} current on this thread and puts {@code traceId} in the logging MDC (as
   * {@value #MDC_TRACE_ID}), until the scope is closed.
   */
  public static Scope attach(Span span, String traceId) {
    Scope otelScope = span.getSpanContext().isValid() ? span.makeCurrent() : Scope.noop();
    String previous = MDC.get(MDC_TRACE_ID);
    MDC.put(MDC_TRACE_ID, traceId);
    return () -> {
      if (previous == null) {
        MDC.remove(MDC_TRACE_ID);
      } else {
        MDC.put(MDC_TRACE_ID, previous);
      }
      otelScope.close();
    };
  }

  /**
   * Runs {@code decide} (a decision or a recorded refusal) in a `caracal.decision` span under the
   * current one; the ledger append it starts is that span's child. The span ends when the outcome
   * is known (the record durable, or not) and is described by the record, as is the current span.
   */
  public CompletableFuture<Outcome> decision(Supplier<CompletableFuture<Outcome>> decide) {
    if (!enabled) {
      return decide.get();
    }
    Span request = Span.current();
    Span span = child("caracal.decision");
    CompletableFuture<Outcome> outcome;
    try (Scope ignored = span.makeCurrent()) {
      outcome = decide.get();
    } catch (RuntimeException e) {
      span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
      span.end();
      throw e;
    }
    return outcome.whenComplete((o, error) -> {
      if (o != null) {
        describe(span, o.record());
        describe(request, o.record());
        if (o instanceof Outcome.Unrecorded) {
          span.setStatus(StatusCode.ERROR, "unrecorded");
        }
      }
      span.end();
    });
  }

  /** Puts what {@code record} says on {@code span}: app, zone, resource, scopes, decision, reason, policy set. */
  public static void describe(Span span, DecisionRecord record) {
    if (!span.isRecording()) {
      return;
    }
    span.setAttribute(REQUEST_ID, record.requestId());
    if (!record.zone().isEmpty()) {
      span.setAttribute(ZONE, record.zone());
    }
    record.app().ifPresent(a -> span.setAttribute(APP, a.id()));
    if (!record.resource().isEmpty()) {
      span.setAttribute(RESOURCE, record.resource());
    }
    record.decision().ifPresent(d -> span.setAttribute(SCOPES, d.requested()));
    span.setAttribute(DECISION, record.allowed() ? "allow" : "deny");
    if (!record.reason().isEmpty()) {
      span.setAttribute(REASON, record.reason());
    }
    record.policySet().ifPresent(p -> {
      span.setAttribute(POLICY_SET, p.name());
      span.setAttribute(POLICY_SET_VERSION, (long) p.version());
    });
  }
}
