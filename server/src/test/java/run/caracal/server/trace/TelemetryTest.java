package run.caracal.server.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import run.caracal.control.trace.Tracing;

/** Whether the server traces, from the standard `otel.*` / `OTEL_*` settings. */
class TelemetryTest {
  @Test
  void configure_noEndpoint_isTheNoopTracing() {
    try (Telemetry telemetry = Telemetry.configure(Map.<String, String>of()::get)) {
      assertSame(Tracing.NOOP, telemetry.tracing());
    }
  }

  @Test
  void enabled_endpointSet_unlessTheSdkIsDisabled() {
    assertTrue(Telemetry.enabled(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:4318")::get));
    assertTrue(Telemetry.enabled(Map.of("otel.exporter.otlp.traces.endpoint", "http://127.0.0.1:4318/v1/traces")::get));
    assertFalse(Telemetry.enabled(Map.of("otel.exporter.otlp.endpoint", " ")::get));
    assertFalse(Telemetry.enabled(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:4318", "otel.sdk.disabled", "true")::get));
  }

  @Test
  void configure_endpointSet_buildsTheSdk() {
    try (Telemetry telemetry = Telemetry.configure(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:4318")::get)) {
      assertTrue(telemetry.tracing().enabled());
    }
  }

  @Test
  void configure_invalidSetting_failsWithAClearMessage() {
    System.setProperty("otel.traces.sampler", "no-such-sampler");
    try {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> Telemetry.configure(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:4318")::get));
      assertTrue(e.getMessage().startsWith("cannot configure OpenTelemetry tracing: "), e.getMessage());
    } finally {
      System.clearProperty("otel.traces.sampler");
    }
  }

  @Test
  void attach_putsTheTraceIdInTheLogLinesContext_untilClosed() {
    try (Scope ignored = Tracing.attach(Span.getInvalid(), "0af7651916cd43dd8448eb211c80319c")) {
      assertEquals("0af7651916cd43dd8448eb211c80319c", MDC.get(Tracing.MDC_TRACE_ID));
    }
    assertNull(MDC.get(Tracing.MDC_TRACE_ID));
  }
}
