package run.caracal.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import run.caracal.cli.admin.AdminClient;
import run.caracal.cli.admin.AdminPaths;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.compile.PinnedSources;
import run.caracal.engine.compile.PolicySetManifest;
import run.caracal.policy.cel.CheckedPolicy;

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
    List<PolicySetManifest.PinnedPolicy> pins = new ArrayList<>();
    chosen.path("policies").forEach(pin -> pins.add(new PolicySetManifest.PinnedPolicy(pin.path("name").asText(),
        pin.path("version").asInt(), pin.path("sha256").asText())));
    PolicySetManifest manifest = new PolicySetManifest(set, chosen.path("version").asInt(), pins);
    Map<String, CheckedPolicy> checked = PinnedSources.check(manifest,
        pin -> admin.get(AdminPaths.policy(zone, pin.name(), pin.version())).path("source").asText());
    CompiledPolicySet compiled = CompiledPolicySet.compile(manifest, checked, List.of());
    return new PushedSet(set, manifest.version(), compiled, List.copyOf(checked.values()));
  }
}
