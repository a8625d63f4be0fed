package run.caracal.server.trace;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import run.caracal.control.trace.Tracing;

/**
 * The process's OpenTelemetry: traces exported over OTLP as the standard variables say
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_SERVICE_NAME`,
 * `OTEL_TRACES_SAMPLER`..., or the matching `otel.*` system properties), through the SDK's
 * autoconfiguration. Caracal's defaults: protocol `http/protobuf` (the only one bundled), service
 * name `caracal`, no metrics or logs exporter. Off, with the no-op {@link Tracing#NOOP}, unless an
 * endpoint is set (and `OTEL_SDK_DISABLED` is not `true`). Close to flush the last spans.
 */
public final class Telemetry implements AutoCloseable {
  private final Tracing tracing;
  private final OpenTelemetrySdk sdk;

  private Telemetry(Tracing tracing, OpenTelemetrySdk sdk) {
    this.tracing = tracing;
    this.sdk = sdk;
  }

  /** From this process's environment and system properties. */
  public static Telemetry fromEnvironment() {
    return configure(name -> {
      String property = System.getProperty(name);
      return property != null ? property : System.getenv(name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
    });
  }

  /**
   * From {@code setting}, which reads a property by its `otel.*` name (system property first,
   * then the `OTEL_*` variable); only deciding whether tracing is on reads it here, the SDK reads
   * the rest itself.
   *
   * @throws IllegalStateException when the configuration is invalid (say, an unknown protocol)
   */
  static Telemetry configure(Function<String, String> setting) {
    if (!enabled(setting)) {
      return new Telemetry(Tracing.NOOP, null);
    }
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
    defaults.put("otel.traces.exporter", "otlp");
    defaults.put("otel.metrics.exporter", "none");
    defaults.put("otel.logs.exporter", "none");
    String resource = setting.apply("otel.resource.attributes");
    if (resource == null || !resource.contains("service.name=")) {
      defaults.put("otel.service.name", "caracal");
    }
    try {
      OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
          .addPropertiesSupplier(() -> defaults)
          .disableShutdownHook()
          .build()
          .getOpenTelemetrySdk();
      return new Telemetry(Tracing.of(sdk), sdk);
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot configure OpenTelemetry tracing: " + e.getMessage(), e);
    }
  }

  /** An OTLP endpoint is set and the SDK is not disabled. */
  static boolean enabled(Function<String, String> setting) {
    if ("true".equalsIgnoreCase(setting.apply("otel.sdk.disabled"))) {
      return false;
    }
    String traces = setting.apply("otel.exporter.otlp.traces.endpoint");
    String any = setting.apply("otel.exporter.otlp.endpoint");
    return traces != null && !traces.isBlank() || any != null && !any.isBlank();
  }

  public Tracing tracing() {
    return tracing;
  }

  /** Flushes pending spans (up to 5 seconds) and stops the exporter. */
  @Override
  public void close() {
    if (sdk != null) {
      sdk.shutdown().join(5, TimeUnit.SECONDS);
    }
  }
}
