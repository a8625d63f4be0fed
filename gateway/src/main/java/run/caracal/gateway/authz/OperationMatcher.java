package run.caracal.gateway.authz;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.policy.model.ResourceGlob;

/**
 * Maps method + path to the one scope a resource's declared operation requires. Paths are globs
 * (`*` within a segment, `**` across); the first declared operation that matches wins; method
 * `*` matches any method.
 */
public final class OperationMatcher {
  /** Compiled path globs: operations are few and change rarely; compiled once, not per request. */
  private static final Map<String, ResourceGlob> GLOBS = new ConcurrentHashMap<>();
  private static final int MAX_GLOBS = 10_000;

  private OperationMatcher() {}

  public static Optional<ResourceBinding.Operation> match(List<ResourceBinding.Operation> operations, String method, String path) {
    String m = method.toUpperCase(Locale.ROOT);
    for (ResourceBinding.Operation op : operations) {
      if ((op.method().equals("*") || op.method().equals(m)) && glob(op.path()).matches(path)) {
        return Optional.of(op);
      }
    }
    return Optional.empty();
  }

  private static ResourceGlob glob(String path) {
    ResourceGlob glob = GLOBS.get(path);
    if (glob == null) {
      if (GLOBS.size() >= MAX_GLOBS) {
        GLOBS.clear();
      }
      glob = ResourceGlob.of(path);
      GLOBS.put(path, glob);
    }
    return glob;
  }
}
