package run.caracal.control.pipeline;

import java.util.List;
import run.caracal.control.app.Application;
import run.caracal.control.session.SessionRecord;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.Reason;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;

/**
 * What the pipeline answers an edge, once the decision's record is durable (or could not be
 * made so). Each edge maps it to its protocol through {@link Reason}.
 */
public sealed interface Outcome {
  DecisionRecord record();

  /** The engine allowed the request and its record is durable: the edge may act on it. {@code input} is unmasked. */
  record Granted(DecisionRecord record, Decision decision, Application app, SessionRecord session, DecisionInput input)
      implements Outcome {
    /** The scopes the decision granted, in request order. */
    public List<String> granted() {
      return decision.granted();
    }
  }

  /** The request was refused (before the engine or by it) and its record is durable. */
  record Refused(DecisionRecord record, Reason reason, String message) implements Outcome {}

  /** The decision could not be made durable: nothing may be done, the edge answers 503. */
  record Unrecorded(DecisionRecord record, Reason reason) implements Outcome {
    /** The message a client gets, by reason. */
    public String message() {
      return reason == Reason.OVERLOADED ? "too many decisions are waiting to be recorded; nothing was done, try again"
          : "the decision could not be recorded; nothing was done";
    }
  }
}
