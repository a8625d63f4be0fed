package run.caracal.cli.console;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The policy sets of a zone for the console: every pushed version with which one is active and
 * which is the shadow candidate, a version's manifest, and the version a rollback returns to.
 */
final class PolicySetText {
  static final String SET_HEADER = "SET                   VERSION  POLICIES  SHA256        CREATED                   STATE";

  /** One set version, e.g. {@code default v3}. */
  record SetVersion(String name, int version) {
    static Optional<SetVersion> of(JsonNode node) {
      return node.path("policy_set").isTextual()
          ? Optional.of(new SetVersion(node.path("policy_set").asText(), node.path("version").asInt()))
          : Optional.empty();
    }

    static SetVersion parse(String key) {
      int at = key.lastIndexOf('@');
      return new SetVersion(key.substring(0, at), Integer.parseInt(key.substring(at + 1)));
    }

    String key() {
      return name + "@" + version;
    }

    @Override
    public String toString() {
      return name + " v" + version;
    }
  }

  private PolicySetText() {}

  /** Rows (newest version first per set) and keys `name@version`; zone is `GET /zones/{zone}`. */
  static Selection rows(JsonNode policies, JsonNode zone) {
    Optional<SetVersion> active = SetVersion.of(zone.path("active_policy_set"));
    Optional<SetVersion> shadow = SetVersion.of(zone.path("shadow_policy_set"));
    List<JsonNode> sets = new ArrayList<>();
    policies.path("policy_sets").forEach(sets::add);
    sets.sort(Comparator.comparing((JsonNode s) -> s.path("name").asText()).thenComparing(s -> -s.path("version").asInt()));
    List<String> rows = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (JsonNode s : sets) {
      SetVersion v = new SetVersion(s.path("name").asText(), s.path("version").asInt());
      String state = active.filter(v::equals).isPresent() ? "ACTIVE" : shadow.filter(v::equals).isPresent() ? "shadow" : "";
      rows.add(String.format("%-21s %-8s %-9d %-13s %-25s %s", v.name(), "v" + v.version(), s.path("policies").size(),
          PolicyText.abbreviate(s.path("sha256").asText()), s.path("created_at").asText(), state));
      keys.add(v.key());
    }
    return Selection.of(rows, keys);
  }

  /** The pushed set version with this key, if any. */
  static Optional<JsonNode> find(JsonNode policies, String key) {
    for (JsonNode s : policies.path("policy_sets")) {
      if ((s.path("name").asText() + "@" + s.path("version").asInt()).equals(key)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** A set version's manifest and where it stands in the zone. */
  static List<String> detail(JsonNode set, JsonNode zone, JsonNode history) {
    SetVersion v = new SetVersion(set.path("name").asText(), set.path("version").asInt());
    List<String> out = new ArrayList<>();
    out.add("policy set:  " + v + "  (sha256 " + set.path("sha256").asText() + ")");
    out.add("pushed:      " + set.path("created_at").asText() + " by " + set.path("actor").asText());
    out.add("active:      " + SetVersion.of(zone.path("active_policy_set")).map(SetVersion::toString).orElse("none"));
    out.add("shadow:      " + SetVersion.of(zone.path("shadow_policy_set")).map(SetVersion::toString).orElse("none"));
    out.add("rollback to: " + rollbackTarget(history).map(SetVersion::toString).orElse("nothing earlier was active"));
    out.add("");
    out.add("pinned policies (" + set.path("policies").size() + ")");
    set.path("policies").forEach(p -> out.add("  " + p.path("name").asText() + " v" + p.path("version").asInt() + "  "
        + PolicyText.abbreviate(p.path("sha256").asText())));
    out.add("");
    out.add("activations of the zone, newest first");
    activations(history).forEach(a -> out.add("  #" + a.path("seq").asLong() + "  " + a.path("activated_at").asText() + "  "
        + (a.path("shadow").asBoolean() ? "shadow " : "active ")
        + SetVersion.of(a).map(SetVersion::toString).orElse("(cleared)") + "  by " + a.path("actor").asText()));
    return out;
  }

  /**
   * The set version a rollback activates: the newest earlier (non-shadow) activation that differs
   * from the current one. Empty when nothing else was ever active.
   */
  static Optional<SetVersion> rollbackTarget(JsonNode history) {
    List<SetVersion> actives = new ArrayList<>();
    for (JsonNode a : activations(history)) {
      if (!a.path("shadow").asBoolean()) {
        SetVersion.of(a).ifPresent(actives::add);
      }
    }
    if (actives.isEmpty()) {
      return Optional.empty();
    }
    SetVersion current = actives.get(0);
    return actives.stream().filter(v -> !v.equals(current)).findFirst();
  }

  /** The zone's activations, newest (highest seq) first. */
  private static List<JsonNode> activations(JsonNode history) {
    List<JsonNode> out = new ArrayList<>();
    history.path("activations").forEach(out::add);
    out.sort(Comparator.comparingLong((JsonNode a) -> a.path("seq").asLong()).reversed());
    return out;
  }
}
