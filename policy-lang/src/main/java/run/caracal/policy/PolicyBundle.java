package run.caracal.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import run.caracal.policy.cel.CheckedPolicy;
import run.caracal.policy.diag.Diagnostic;
import run.caracal.policy.model.Document;
import run.caracal.policy.model.PolicySet;
import run.caracal.policy.model.PolicyTest;
import run.caracal.policy.model.Resource;
import run.caracal.policy.source.SourceFile;

/**
 * Everything read from a set of policy files: the documents by kind, the policies that
 * type-checked, and every diagnostic sorted by position. Immutable.
 *
 * @param policies checked policies by name (a policy with errors is absent)
 * @param sets policy sets by name
 * @param resources resource documents by id
 */
public record PolicyBundle(
    List<SourceFile> files,
    List<Document> documents,
    Map<String, CheckedPolicy> policies,
    Map<String, PolicySet> sets,
    Map<String, Resource> resources,
    List<PolicyTest> tests,
    List<Diagnostic> diagnostics) {
  public PolicyBundle {
    files = List.copyOf(files);
    documents = List.copyOf(documents);
    policies = Map.copyOf(policies);
    sets = Map.copyOf(sets);
    resources = Map.copyOf(resources);
    tests = List.copyOf(tests);
    diagnostics = diagnostics.stream().distinct().sorted().toList();
  }

  public boolean hasErrors() {
    return diagnostics.stream().anyMatch(Diagnostic::isError);
  }

  public Optional<PolicySet> set(String name) {
    return Optional.ofNullable(sets.get(name));
  }

  /** A copy with more diagnostics (for example lint warnings). */
  public PolicyBundle withDiagnostics(List<Diagnostic> more) {
    List<Diagnostic> all = new ArrayList<>(diagnostics);
    all.addAll(more);
    return new PolicyBundle(files, documents, policies, sets, resources, tests, all);
  }
}
