package run.caracal.decision;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import run.caracal.decision.Replay.Change;
import run.caracal.decision.Replay.Replayed;
import run.caracal.engine.decision.PolicySetRef;
import run.caracal.engine.decision.RuleRef;

/**
 * What a candidate policy set would have done to recorded traffic: counts of unchanged, newly
 * denied, newly allowed, newly or no longer approval_required, and indeterminate decisions; the changes grouped by the rule that made
 * them, by app and by resource, each with a few sample request ids; and the changes themselves
 * up to a limit. Memory stays bounded whatever the number of records (the groups grow with the
 * number of rules, apps and resources, not of records). Not thread-safe: one per run.
 */
public final class ImpactReport {
  /** Sample request ids kept per group. */
  private static final int SAMPLES = 3;
  /** The rule key of a new deny that no deny rule made: nothing grants any more. */
  public static final String NO_GRANT = "(no allow rule grants)";

  private PolicySetRef candidate;
  private final int maxChanges;
  private final Map<Change, Long> counts = new EnumMap<>(Change.class);
  private long total;
  private long notReplayable;
  private final Map<String, Group> byRule = new LinkedHashMap<>();
  private final Map<String, Group> byApp = new LinkedHashMap<>();
  private final Map<String, Group> byResource = new LinkedHashMap<>();
  private final List<Replayed> changes = new ArrayList<>();

  /** A group of changes: how many of each kind (allow→deny, allow→approval_required...), and sample request ids. */
  public static final class Group {
    final Map<Change, Long> counts = new EnumMap<>(Change.class);
    final List<String> samples = new ArrayList<>();

    void add(Replayed r) {
      counts.merge(r.change(), 1L, Long::sum);
      if (samples.size() < SAMPLES) {
        samples.add(r.record().requestId());
      }
    }

    public long total() {
      return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** How many changes of this kind the group holds. */
    public long count(Change change) {
      return counts.getOrDefault(change, 0L);
    }

    public long allowToDeny() {
      return count(Change.ALLOW_TO_DENY);
    }

    public long denyToAllow() {
      return count(Change.DENY_TO_ALLOW);
    }

    public List<String> samples() {
      return List.copyOf(samples);
    }
  }

  /**
   * @param candidate the set the records were replayed against
   * @param maxChanges at most this many changes are listed (all are counted)
   */
  public ImpactReport(PolicySetRef candidate, int maxChanges) {
    this.candidate = candidate;
    this.maxChanges = maxChanges;
    for (Change c : Change.values()) {
      counts.put(c, 0L);
    }
  }

  /** Adds one replayed record. */
  public void add(Replayed r) {
    if (candidate.isNone()) { // a shadow report learns its set from the records
      candidate = r.candidate().policySet();
    }
    total++;
    counts.merge(r.change(), 1L, Long::sum);
    if (r.change() == Change.INDETERMINATE && changes.size() < maxChanges) {
      changes.add(r);
    }
    if (!r.change().differs()) {
      return;
    }
    List<String> rules = ruleKeys(r);
    for (String rule : rules) {
      byRule.computeIfAbsent(rule, k -> new Group()).add(r);
    }
    byApp.computeIfAbsent(r.record().app().map(a -> a.name().isEmpty() ? a.id() : a.name() + " (" + a.id() + ")").orElse("-"),
        k -> new Group()).add(r);
    byResource.computeIfAbsent(r.record().resource().isEmpty() ? "-" : r.record().resource(), k -> new Group()).add(r);
    if (changes.size() < maxChanges) {
      changes.add(r);
    }
  }

  /** Counts a record that holds no replayable decision (refused before the engine, or from before input was kept). */
  public void skipped() {
    notReplayable++;
  }

  public long total() {
    return total;
  }

  public long count(Change change) {
    return counts.get(change);
  }

  /** Whether any decision came out differently (or could not be told), approval_required included. */
  public boolean changed() {
    return total > count(Change.UNCHANGED);
  }

  public List<Replayed> changes() {
    return List.copyOf(changes);
  }

  /** Groups by rule, largest first. */
  public Map<String, Group> byRule() {
    return sorted(byRule);
  }

  public Map<String, Group> byApp() {
    return sorted(byApp);
  }

  public Map<String, Group> byResource() {
    return sorted(byResource);
  }

  public long notReplayable() {
    return notReplayable;
  }

  private static Map<String, Group> sorted(Map<String, Group> groups) {
    Map<String, Group> out = new LinkedHashMap<>();
    groups.entrySet().stream().sorted(Comparator.comparingLong((Map.Entry<String, Group> e) -> -e.getValue().total())
        .thenComparing(Map.Entry::getKey)).forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  /** `policy@version/rule` of the rules that made a change; {@link #NO_GRANT} for a deny no rule made. */
  static List<String> ruleKeys(Replayed r) {
    List<String> keys = r.rules().stream().map(ImpactReport::key).distinct().toList();
    return keys.isEmpty() ? List.of(NO_GRANT) : keys;
  }

  private static String key(RuleRef rule) {
    return rule.policy() + "@" + rule.version() + "/" + rule.rule();
  }

  /** The report as the JSON `caracal policy simulate --format json` prints. */
  public ObjectNode toJson() {
    ObjectNode root = DecisionRecordJson.MAPPER.createObjectNode();
    ObjectNode summary = root.putObject("summary").put("total", total);
    for (Change c : Change.values()) {
      summary.put(c.id(), count(c));
    }
    summary.put("not_replayable", notReplayable);
    ArrayNode rules = root.putArray("by_rule");
    byRule().forEach((rule, g) -> group(rules.addObject().put("rule", rule), g));
    ArrayNode apps = root.putArray("by_app");
    byApp().forEach((app, g) -> group(apps.addObject().put("app", app), g));
    ArrayNode resources = root.putArray("by_resource");
    byResource().forEach((resource, g) -> group(resources.addObject().put("resource", resource), g));
    ArrayNode list = root.putArray("changes");
    for (Replayed r : changes) {
      ObjectNode c = list.addObject().put("request_id", r.record().requestId()).put("phase", r.record().phase().id())
          .put("time", r.record().time().toString())
          .put("app", r.record().app().map(DecisionRecord.AppRef::id).orElse(""))
          .put("resource", r.record().resource()).put("from", r.recorded().verdict().id())
          .put("to", r.change() == Change.INDETERMINATE ? "indeterminate" : r.candidate().verdict().id());
      if (r.change() == Change.INDETERMINATE) {
        r.record().input().ifPresent(i -> i.masked().forEach(c.putArray("masked")::add));
      } else {
        ruleKeys(r).forEach(c.putArray("rules")::add);
      }
      r.candidate().reasons().forEach(reason -> c.withArray("reasons").add(reason.id()));
    }
    root.putObject("policy_set").put("name", candidate.name()).put("version", candidate.version())
        .put("sha256", candidate.sha256());
    return root;
  }

  private static void group(ObjectNode node, Group g) {
    for (Change c : Change.values()) {
      if (c.differs()) {
        node.put(c.id(), g.count(c));
      }
    }
    g.samples.forEach(node.putArray("samples")::add);
  }
}
