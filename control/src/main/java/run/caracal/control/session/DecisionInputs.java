package run.caracal.control.session;

import com.google.protobuf.Timestamp;
import java.util.List;
import run.caracal.control.app.Application;
import run.caracal.control.pipeline.SessionReads;
import run.caracal.policy.input.Delegation;
import run.caracal.policy.input.DelegationHop;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Session;

/**
 * The parts of a decision input that come from the control plane's records, built the same way
 * at token issue (STS) and at each request (Gateway). Stateless.
 */
public final class DecisionInputs {
  private DecisionInputs() {}

  public static Principal principal(Application app) {
    return Principal.newBuilder().setId(app.id()).setName(app.name()).setZone(app.zoneId())
        .addAllLabels(app.labels()).putAllAttributes(app.attributes()).build();
  }

  public static Session session(SessionRecord s) {
    return Session.newBuilder().setId(s.id()).setRootId(s.rootId()).setDepth(s.depth())
        .setExpiresAt(Timestamp.newBuilder().setSeconds(s.expiresAt().getEpochSecond()).setNanos(s.expiresAt().getNano()))
        .build();
  }

  /**
   * The delegation of a session: its depth, the chain of {app, session} from the root down to the
   * parent, and the parent's scopes (`*` when the parent is unrestricted).
   */
  public static Delegation delegation(SessionRecord s, SessionReads sessions) {
    Delegation.Builder d = Delegation.newBuilder().setDepth(s.depth());
    List<String> lineage = s.lineage();
    SessionRecord parent = null;
    for (int i = 0; i < lineage.size() - 1; i++) {
      SessionRecord ancestor = sessions.find(lineage.get(i)).orElseThrow(
          () -> new IllegalStateException("ancestor session of `" + s.id() + "` is missing"));
      d.addChain(DelegationHop.newBuilder().setApp(ancestor.appId()).setSession(ancestor.id()));
      parent = ancestor;
    }
    if (parent != null) {
      d.addAllParentScopes(parent.scopes().isEmpty() ? List.of("*") : parent.scopes());
    }
    return d.build();
  }
}
