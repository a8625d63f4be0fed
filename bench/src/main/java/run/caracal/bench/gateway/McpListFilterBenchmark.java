package run.caracal.bench.gateway;

import com.fasterxml.jackson.databind.node.IntNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import run.caracal.control.metrics.CaracalMetrics;
import run.caracal.control.pipeline.DecisionPipeline;
import run.caracal.control.pipeline.memory.MemoryDecisionLog;
import run.caracal.control.pipeline.memory.MemoryReads;
import run.caracal.control.policy.ZonePolicies;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.decision.InputMasker;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.testing.LocalPolicySet;
import run.caracal.gateway.mcp.ListFilter;
import run.caracal.gateway.mcp.ListedItems;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.input.Delegation;
import run.caracal.policy.input.Mcp;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;
import run.caracal.policy.input.Session;
import run.caracal.policy.source.SourceFile;

/**
 * Filtering a 100-tool `tools/list` answer for one caller, as the Gateway does it (ListFilter over
 * ListedItems: one decision per tool with the arguments unknown, through the pipeline, against
 * a set with argument rules), beside reading and writing the same JSON with nothing hidden (the
 * yardstick: what any rewriting proxy pays), measured in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx1g"})
public class McpListFilterBenchmark {
  private static final String ZONE = "zone_1";
  private static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Resource
      metadata: {name: tools}
      spec: {id: "resource://tools", scopes: [tools:read, tools:write]}
      ---
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: tools}
      spec:
        resources: ["resource://tools"]
        rules:
          - {name: reads, effect: allow, scopes: [tools:read], when: "request.mcp.tool.startsWith('read_') && request.mcp.arguments.path.startsWith('/work/')"}
          - {name: writes, effect: allow, scopes: [tools:write], when: "request.mcp.tool.startsWith('write_') && principal.labels.exists(l, l == 'writer')"}
          - {name: no-deletes, effect: deny, scopes: [tools:write], when: "request.mcp.tool.startsWith('write_delete')"}
          - {name: no-delegated-writes, effect: deny, scopes: [tools:write], when: "delegation.depth > 1"}
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: prod}
      spec: {policies: [tools]}
      """;

  private byte[] answer;
  private ListFilter filter;
  private ListFilter everything;

  @Setup(Level.Trial)
  public void setUp() {
    StringBuilder tools = new StringBuilder("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[");
    List<ResourceBinding.Tool> declared = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String name = (i % 3 == 0 ? "read_" : i % 3 == 1 ? "write_" : "write_delete_") + i;
      tools.append(i == 0 ? "" : ",").append("{\"name\":\"").append(name).append("\",\"description\":\"tool number ").append(i)
          .append("\",\"inputSchema\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]}}");
    }
    answer = tools.append("],\"nextCursor\":\"2\"}}").toString().getBytes(StandardCharsets.UTF_8);
    declared.add(new ResourceBinding.Tool("read_*", "tools:read", null));
    declared.add(new ResourceBinding.Tool("write_*", "tools:write", null));
    PolicyBundle bundle = new BundleCompiler().compile(List.of(new SourceFile("tools.yaml", POLICY)));
    if (bundle.hasErrors()) {
      throw new IllegalStateException(bundle.diagnostics().toString());
    }
    MemoryReads reads = new MemoryReads().put(new ZonePolicies(ZONE, Optional.of(LocalPolicySet.compile(bundle, "prod")), Optional.empty()));
    DecisionPipeline pipeline = new DecisionPipeline(reads, reads.apps(), reads, new MemoryDecisionLog(),
        new InputMasker(List.of(), new byte[32]), Clock.fixed(Instant.parse("2026-12-05T10:00:00Z"), ZoneOffset.UTC), new CaracalMetrics());
    Mcp list = Mcp.newBuilder().setMethod("tools/list").setProtocolVersion("2025-06-18").build();
    DecisionInput base = new DecisionInput(Principal.newBuilder().setId("app_1").setName("coder").addLabels("writer").build(),
        Session.newBuilder().setId("ses_1").setRootId("ses_1").build(), Delegation.getDefaultInstance(),
        Resource.newBuilder().setId("resource://tools").build(),
        Request.newBuilder().setPhase("request").setMethod("POST").setPath("/mcp/tools").setMcp(list).build(), null,
        Instant.parse("2026-12-05T10:00:00Z"));
    ResourceBinding.Mcp settings = new ResourceBinding.Mcp(declared, List.of(), 0);
    filter = new ListFilter("tools/list", IntNode.valueOf(1), "2025-06-18",
        new ListedItems(pipeline, ZONE, settings, List.of("tools:read", "tools:write"), base, "tools/list"));
    everything = new ListFilter("tools/list", IntNode.valueOf(1), "2025-06-18", name -> true);
  }

  /** The Gateway's filter: 100 decisions with the arguments unknown, the answer rewritten. */
  @Benchmark
  public ListFilter.Filtered filter100Tools() throws IOException {
    return filter.apply(answer, "application/json");
  }

  /** The yardstick: the same answer read and written with nothing decided or hidden. */
  @Benchmark
  public ListFilter.Filtered rewriteOnly100Tools() throws IOException {
    return everything.apply(answer, "application/json");
  }
}
