package run.caracal.engine.compile;

import dev.cel.runtime.CelRuntime;
import java.util.Set;
import run.caracal.policy.model.Approval;
import run.caracal.policy.model.Effect;

/**
 * One rule ready to run; {@code condition} is null when the rule has no {@code when}, and
 * {@code at} is where the condition is written (`file:line:col`, empty without one);
 * {@code approval} holds the settings of a require_approval rule and is null for the others.
 * Immutable and thread-safe (CEL programs are).
 */
record CompiledRule(
    CompiledPolicy policy, String name, Effect effect, Set<String> scopes, boolean anyScope,
    CelRuntime.Program condition, String at, int ordinal, Approval approval) {}
