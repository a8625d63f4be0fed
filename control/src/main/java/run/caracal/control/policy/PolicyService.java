package run.caracal.control.policy;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import run.caracal.control.ControlException;
import run.caracal.control.audit.AdminAudit;
import run.caracal.control.resource.ResourceStore;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.compile.PinnedSources;
import run.caracal.engine.compile.PolicySetManifest;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.cel.CheckedPolicy;
import run.caracal.policy.diag.Code;
import run.caracal.policy.diag.Diagnostic;
import run.caracal.policy.model.Document;
import run.caracal.policy.model.Policy;
import run.caracal.policy.model.PolicySet;
import run.caracal.policy.source.SourceFile;
import run.caracal.policy.yaml.ScalarText;

/**
 * Pushes policies as immutable versions, builds policy-set versions that pin them, activates,
 * rolls back and shadows sets per zone, and compiles what a zone decides with. A push that fails
 * lint is refused with its diagnostics. Thread-safe.
 */
public final class PolicyService {
  private final PolicyStore store;
  private final ResourceStore resources;
  private final AdminAudit audit;
  private final Clock clock;
  private final BundleCompiler compiler = new BundleCompiler();

  public PolicyService(PolicyStore store, ResourceStore resources, AdminAudit audit, Clock clock) {
    this.store = store;
    this.resources = resources;
    this.audit = audit;
    this.clock = clock;
  }

  /** Stores new versions of the changed policies and sets in {@code files}. */
  public PushResult push(String zoneId, List<SourceFile> files, String actor) {
    PolicyBundle bundle = compiler.compile(files);
    List<Diagnostic> errors = bundle.diagnostics().stream().filter(Diagnostic::isError)
        .filter(d -> !refersToPushedPolicy(zoneId, d)).toList();
    if (!errors.isEmpty()) {
      throw new ControlException(ControlException.Kind.LINT_FAILED,
          "push refused: " + errors.size() + " lint error(s), first: " + errors.get(0).format(), errors);
    }
    Instant now = clock.instant();
    PushResult result = audit.change(() -> store.jdbc().transaction(c -> {
      List<PushResult.Item> policies = new ArrayList<>();
      Map<String, PolicyVersion> latest = new LinkedHashMap<>();
      for (Document doc : bundle.documents()) {
        if (!(doc instanceof Policy p)) {
          continue;
        }
        CheckedPolicy checked = bundle.policies().get(p.name());
        Optional<PolicyVersion> previous = store.latestPolicy(c, zoneId, p.name());
        if (previous.isPresent() && previous.get().sha256().equals(checked.sha256())) {
          latest.put(p.name(), previous.get());
          policies.add(new PushResult.Item(p.name(), previous.get().version(), checked.sha256(), false));
          continue;
        }
        PolicyVersion v = new PolicyVersion(zoneId, p.name(), previous.map(PolicyVersion::version).orElse(0) + 1,
            checked.sha256(), sourceOf(bundle, doc), now, actor);
        store.insertPolicy(c, v);
        latest.put(p.name(), v);
        policies.add(new PushResult.Item(p.name(), v.version(), v.sha256(), true));
      }
      List<PushResult.Item> sets = new ArrayList<>();
      for (PolicySet set : bundle.sets().values()) {
        List<PolicySetManifest.PinnedPolicy> pins = new ArrayList<>();
        for (ScalarText ref : set.policies()) {
          PolicyVersion v = latest.containsKey(ref.value()) ? latest.get(ref.value())
              : store.latestPolicy(c, zoneId, ref.value()).orElseThrow(() -> new ControlException(
                  ControlException.Kind.INVALID_REQUEST, "policy set `" + set.name() + "` names policy `" + ref.value() + "` that was never pushed"));
          pins.add(new PolicySetManifest.PinnedPolicy(v.name(), v.version(), v.sha256()));
        }
        Optional<PolicySetVersion> previous = store.latestSet(c, zoneId, set.name());
        String sha = new PolicySetManifest(set.name(), 0, pins).sha256();
        if (previous.isPresent() && previous.get().sha256().equals(sha)) {
          sets.add(new PushResult.Item(set.name(), previous.get().version(), sha, false));
          continue;
        }
        int version = previous.map(PolicySetVersion::version).orElse(0) + 1;
        store.insertSet(c, new PolicySetVersion(zoneId, new PolicySetManifest(set.name(), version, pins), sha, now, actor));
        sets.add(new PushResult.Item(set.name(), version, sha, true));
      }
      for (PushResult.Item item : policies) {
        if (item.created()) {
          audit.record("policy.pushed", zoneId, actor, Map.of("policy", item.name(), "version", item.version(), "sha256", item.sha256()));
        }
      }
      for (PushResult.Item item : sets) {
        if (item.created()) {
          audit.record("policyset.pushed", zoneId, actor,
              Map.of("policySet", item.name(), "version", item.version(), "sha256", item.sha256()));
        }
      }
      return new PushResult(policies, sets);
    }));
    return result;
  }

  /**
   * Activates a set version (latest when {@code version} is empty), or makes it the shadow
   * candidate. The set must compile against the zone's resources.
   */
  public Activation activate(String zoneId, String setName, Optional<Integer> version, boolean shadow, String actor) {
    PolicySetVersion set = version.map(v -> store.set(zoneId, setName, v))
        .orElseGet(() -> store.latestSet(zoneId, setName))
        .orElseThrow(() -> ControlException.notFound("policy set `" + setName + "`" + version.map(v -> " version " + v).orElse("")));
    compile(set);
    return audit.change(() -> {
      Optional<Activation> before = store.current(zoneId, false);
      store.insertActivation(zoneId, Optional.of(set.name()), set.version(), shadow, clock.instant(), actor);
      boolean rollback = !shadow && before.isPresent() && before.get().setName().equals(Optional.of(set.name()))
          && before.get().setVersion() > set.version();
      String type = shadow ? "policyset.shadowed" : rollback ? "policyset.rolled_back" : "policyset.activated";
      audit.record(type, zoneId, actor, Map.of("policySet", set.name(), "version", set.version(), "sha256", set.sha256()));
      return store.current(zoneId, shadow).orElseThrow();
    });
  }

  /** Stops shadow evaluation in a zone. */
  public void clearShadow(String zoneId, String actor) {
    audit.change(() -> {
      store.insertActivation(zoneId, Optional.empty(), 0, true, clock.instant(), actor);
      audit.record("policyset.shadow_cleared", zoneId, actor, Map.of());
    });
  }

  /** What a zone decides with now, compiled. */
  public ZonePolicies load(String zoneId) {
    Optional<CompiledPolicySet> active = store.current(zoneId, false)
        .flatMap(a -> store.set(zoneId, a.setName().orElseThrow(), a.setVersion())).map(this::compile);
    Optional<CompiledPolicySet> shadow = store.current(zoneId, true)
        .flatMap(a -> store.set(zoneId, a.setName().orElseThrow(), a.setVersion())).map(this::compile);
    return new ZonePolicies(zoneId, active, shadow);
  }

  public List<Activation> history(String zoneId) {
    return store.history(zoneId);
  }

  public PolicyStore store() {
    return store;
  }

  /** Compiles a set version from its pinned policy sources and the zone's resources. */
  public CompiledPolicySet compile(PolicySetVersion set) {
    Map<String, CheckedPolicy> checked = PinnedSources.check(set.manifest(), pin -> store.policy(set.zoneId(), pin.name(), pin.version())
        .orElseThrow(() -> new IllegalStateException("policy `" + pin.name() + "` version " + pin.version() + " is missing")).source());
    return CompiledPolicySet.compile(set.manifest(), checked,
        resources.list(set.zoneId()).stream().map(r -> r.toInput()).toList());
  }

  /** A set in the push may name policies pushed earlier to the zone: not a missing reference then. */
  private boolean refersToPushedPolicy(String zoneId, Diagnostic d) {
    if (d.code() != Code.MISSING_REFERENCE) {
      return false;
    }
    Matcher m = UNKNOWN_POLICY.matcher(d.message());
    return m.find() && store.jdbc().transaction(c -> store.latestPolicy(c, zoneId, m.group(1))).isPresent();
  }

  private static final Pattern UNKNOWN_POLICY = Pattern.compile("names unknown policy `([^`]+)`");

  /** The YAML text of one document, from its first key to its end. */
  private static String sourceOf(PolicyBundle bundle, Document doc) {
    SourceFile file = bundle.files().stream().filter(f -> f.name().equals(doc.position().file())).findFirst().orElseThrow();
    int start = file.offsetOf(doc.node().getStartMark().getLine() + 1, doc.node().getStartMark().getColumn() + 1);
    int end = file.offsetOf(doc.node().getEndMark().getLine() + 1, doc.node().getEndMark().getColumn() + 1);
    String text = file.text().substring(start, Math.max(start, end)).stripTrailing();
    return text + "\n";
  }
}
