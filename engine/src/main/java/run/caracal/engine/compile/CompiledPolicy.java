package run.caracal.engine.compile;

import dev.cel.runtime.CelAttributePattern;
import dev.cel.runtime.CelRuntime;
import java.util.List;
import java.util.Map;
import run.caracal.policy.model.ResourceGlob;

/**
 * One policy ready to run: its pinned version, resource patterns, variable programs, and the
 * attribute patterns that are unknown at phase `issue` (request-time fields and the variables
 * that read them) and while an MCP list is filtered (the call's arguments and those variables).
 * Immutable and thread-safe.
 */
record CompiledPolicy(
    String name,
    int version,
    List<ResourceGlob> resources,
    Map<String, CelRuntime.Program> variables,
    List<CelAttributePattern> issueUnknowns,
    List<CelAttributePattern> argumentUnknowns) {}
