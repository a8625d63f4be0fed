package run.caracal.gateway.authz;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.policy.model.ResourceGlob;

/**
 * Maps method + path to the one scope a resource's declared operation requires. Paths are globs
 * (`*` within a segment, `**` across); the first declared operation that matches wins; method
 * `*` matches any method.
 */
public final class OperationMatcher {
  private OperationMatcher() {}

  public static Optional<ResourceBinding.Operation> match(List<ResourceBinding.Operation> operations, String method, String path) {
    String m = method.toUpperCase(Locale.ROOT);
    for (ResourceBinding.Operation op : operations) {
      if ((op.method().equals("*") || op.method().equals(m)) && ResourceGlob.of(op.path()).matches(path)) {
        return Optional.of(op);
      }
    }
    return Optional.empty();
  }
}
