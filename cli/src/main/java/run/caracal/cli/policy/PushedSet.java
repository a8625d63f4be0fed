package run.caracal.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import run.caracal.cli.admin.AdminClient;
import run.caracal.cli.admin.AdminPaths;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.compile.PolicySetManifest;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.cel.CheckedPolicy;
import run.caracal.policy.source.SourceFile;

/**
 * A policy-set version pushed to a zone, compiled here from the policy sources the server pins
 * (each checked against its pinned sha256), to replay recorded decisions against it before it
 * is activated.
 *
 * @param set the set's name
 * @param version its version
 * @param compiled the compiled set
 * @param policies its checked policies
 */
public record PushedSet(String set, int version, CompiledPolicySet compiled, List<CheckedPolicy> policies) {
  /**
   * Fetches and compiles version {@code version} (null: the latest) of {@code set} in {@code zone}.
   *
   * @throws IllegalArgumentException when the zone has no such set or version (exit 1, as the server's answer)
   */
  public static PushedSet fetch(AdminClient admin, String zone, String set, Integer version) {
    JsonNode chosen = null;
    for (JsonNode s : admin.get(AdminPaths.policies(zone)).path("policy_sets")) {
      if (s.path("name").asText().equals(set) && (version == null ? chosen == null
          || s.path("version").asInt() > chosen.path("version").asInt() : s.path("version").asInt() == version)) {
        chosen = s;
      }
    }
    if (chosen == null) {
      throw new IllegalArgumentException("zone `" + zone + "` has no policy set `" + set + "`" + (version == null ? "" : " version " + version)
          + " (push it first: caracal policy push)");
    }
    BundleCompiler compiler = new BundleCompiler();
    List<PolicySetManifest.PinnedPolicy> pins = new ArrayList<>();
    Map<String, CheckedPolicy> checked = new LinkedHashMap<>();
    for (JsonNode pin : chosen.path("policies")) {
      String name = pin.path("name").asText();
      int pinned = pin.path("version").asInt();
      String source = admin.get(AdminPaths.policy(zone, name, pinned)).path("source").asText();
      PolicyBundle bundle = compiler.compile(List.of(new SourceFile(name + "@" + pinned, source)));
      CheckedPolicy policy = bundle.policies().get(name);
      if (policy == null || !policy.sha256().equals(pin.path("sha256").asText())) {
        throw new IllegalStateException("policy `" + name + "` version " + pinned + " from the server does not match its pinned sha256");
      }
      pins.add(new PolicySetManifest.PinnedPolicy(name, pinned, policy.sha256()));
      checked.put(name, policy);
    }
    int v = chosen.path("version").asInt();
    CompiledPolicySet compiled = CompiledPolicySet.compile(new PolicySetManifest(set, v, pins), checked, List.of());
    return new PushedSet(set, v, compiled, List.copyOf(checked.values()));
  }
}
