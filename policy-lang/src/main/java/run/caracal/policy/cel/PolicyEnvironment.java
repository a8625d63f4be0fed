package run.caracal.policy.cel;

import dev.cel.common.CelOptions;
import dev.cel.common.types.CelType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructTypeReference;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerBuilder;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CEL environment every condition is checked and run in: the typed input variables, the
 * standard macros, the `strings` and `sets` extensions, and the cost limits. Compilers for a
 * policy's own {@code variables} struct are built on demand and cached by signature.
 * Thread-safe.
 */
public final class PolicyEnvironment {
  /** Longest expression accepted, in code points. */
  public static final int MAX_EXPRESSION_LENGTH = 4096;
  /** Deepest parse nesting accepted. */
  public static final int MAX_PARSE_DEPTH = 48;
  /** Tallest checked AST accepted. */
  public static final int MAX_AST_HEIGHT = 40;
  /** Deepest nesting of comprehensions (`all`, `exists`, `map`, `filter`). */
  public static final int MAX_COMPREHENSION_NESTING = 2;
  /** Most iterations one evaluation may spend in comprehensions. */
  public static final int MAX_ITERATIONS = 10_000;

  private static final PolicyEnvironment DEFAULT = new PolicyEnvironment();

  private final CelOptions options;
  private final CelCompiler base;
  private final Map<Map<String, CelType>, CelCompiler> withVariables = new ConcurrentHashMap<>();

  private PolicyEnvironment() {
    this.options = CelOptions.current()
        .enableTimestampEpoch(true)
        .enableHeterogeneousNumericComparisons(true)
        .enableUnknownTracking(true)
        .comprehensionMaxIterations(MAX_ITERATIONS)
        .maxExpressionCodePointSize(MAX_EXPRESSION_LENGTH)
        .maxParseRecursionDepth(MAX_PARSE_DEPTH)
        .build();
    CelCompilerBuilder builder = CelCompilerFactory.standardCelCompilerBuilder()
        .setOptions(options)
        .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
        .addLibraries(CelExtensions.strings(), CelExtensions.sets(options))
        .addMessageTypes(InputSchema.MESSAGES.values())
        .addVar(InputSchema.NOW, SimpleType.TIMESTAMP);
    InputSchema.MESSAGES.forEach((name, type) -> builder.addVar(name, StructTypeReference.create(type.getFullName())));
    this.base = builder.build();
  }

  public static PolicyEnvironment get() {
    return DEFAULT;
  }

  public CelOptions options() {
    return options;
  }

  /**
   * A compiler where each policy variable is declared as the namespaced identifier
   * {@code variables.NAME} with its type; any other {@code variables.x} is an undeclared reference.
   */
  public CelCompiler compiler(Map<String, CelType> variables) {
    Map<String, CelType> key = Map.copyOf(variables);
    return withVariables.computeIfAbsent(key, this::buildCompiler);
  }

  private CelCompiler buildCompiler(Map<String, CelType> variables) {
    CelCompilerBuilder builder = base.toCompilerBuilder();
    variables.forEach((name, type) -> builder.addVar(InputSchema.VARIABLES + "." + name, type));
    return builder.build();
  }

  /** A runtime that evaluates programs checked by these compilers, unknowns included. */
  public CelRuntime newRuntime() {
    return CelRuntimeFactory.plannerRuntimeBuilder()
        .setOptions(options)
        .addLibraries(CelExtensions.strings(), CelExtensions.sets(options))
        .addMessageTypes(InputSchema.MESSAGES.values())
        .build();
  }
}
