package run.caracal.control.pipeline;

import java.util.Optional;
import run.caracal.control.session.SessionRecord;
import run.caracal.control.session.SessionStore;

/** Reads sessions for decisions: one session, or one session with its token's revocation. Thread-safe. */
public interface SessionReads {
  Optional<SessionRecord> find(String id);

  /** The session {@code id} and whether the token {@code jti} is revoked, in one read; empty when the session does not exist. */
  Optional<SessionStore.Checked> findChecked(String id, String jti);
}
