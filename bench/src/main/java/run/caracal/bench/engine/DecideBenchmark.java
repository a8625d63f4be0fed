package run.caracal.bench.engine;

import com.google.protobuf.Timestamp;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.policy.cel.PolicyEnvironment;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;
import run.caracal.policy.input.Session;

/**
 * decide() on generated sets of 10 to 10,000 policies for one typical request, beside the cost of
 * evaluating one CEL condition alone (the yardstick), measured in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx4g"})
public class DecideBenchmark {
  @Param({"10", "100", "1000", "10000"})
  int policies;

  private CompiledPolicySet set;
  private DecisionInput input;
  private CelRuntime.Program condition;
  private CelVariableResolver resolver;

  @Setup(Level.Trial)
  public void setUp() throws CelValidationException, CelEvaluationException {
    set = GeneratedPolicies.compile(policies);
    Instant now = Instant.parse("2026-11-22T12:00:00Z");
    Principal principal = Principal.newBuilder().setId("app-7").setName("invoice-agent").setZone("prod")
        .addLabels("agents").addLabels("finance").build();
    Session session = Session.newBuilder().setId("s-1").setRootId("s-1")
        .setExpiresAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond() + 600)).build();
    Request request = Request.newBuilder().setPhase("request").addScopes("read").setMethod("GET")
        .setPath("/items/42").putHeaders("accept", "application/json").build();
    input = new DecisionInput(principal, session, null, Resource.newBuilder().setId("resource://svc-0").build(),
        request, null, now);
    Decision check = set.decide(input);
    if (!check.allowed()) {
      throw new IllegalStateException("benchmark request should be allowed: " + check.reasons());
    }
    CelAbstractSyntaxTree ast = PolicyEnvironment.get().compiler(Map.of())
        .compile("'agents' in principal.labels && request.method == 'GET'").getAst();
    condition = PolicyEnvironment.get().newRuntime().createProgram(ast);
    resolver = name -> switch (name) {
      case "principal" -> Optional.of(principal);
      case "request" -> Optional.of(request);
      default -> Optional.empty();
    };
  }

  @Benchmark
  public Decision decide() {
    return set.decide(input);
  }

  @Benchmark
  public Object singleCondition() throws CelEvaluationException {
    return condition.eval(resolver);
  }
}
