package run.caracal.engine.compile;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.cel.CheckedPolicy;
import run.caracal.policy.source.SourceFile;

/**
 * The policies a pushed set version pins, checked from their stored sources: each source is
 * compiled on its own and must hash to the sha256 the manifest pinned. The server does this before
 * it activates or loads a set; the CLI before it replays recorded decisions against one.
 */
public final class PinnedSources {
  private PinnedSources() {}

  /**
   * The manifest's policies in its order, {@code source} giving each pinned version's text.
   *
   * @throws IllegalStateException when a source does not compile to its policy or does not match
   *     its pinned sha256
   */
  public static Map<String, CheckedPolicy> check(PolicySetManifest manifest,
      Function<PolicySetManifest.PinnedPolicy, String> source) {
    BundleCompiler compiler = new BundleCompiler();
    Map<String, CheckedPolicy> checked = new LinkedHashMap<>();
    for (PolicySetManifest.PinnedPolicy pin : manifest.policies()) {
      CheckedPolicy policy = compiler.compile(List.of(new SourceFile(pin.name() + "@" + pin.version(), source.apply(pin))))
          .policies().get(pin.name());
      if (policy == null || !policy.sha256().equals(pin.sha256())) {
        throw new IllegalStateException("stored policy `" + pin.name() + "` version " + pin.version() + " does not match its sha256");
      }
      checked.put(pin.name(), policy);
    }
    return checked;
  }
}
