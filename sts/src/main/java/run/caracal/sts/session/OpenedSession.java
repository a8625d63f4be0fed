package run.caracal.sts.session;

import run.caracal.control.session.SessionRecord;

/** A new session and its token (shown to the caller once). */
public record OpenedSession(SessionRecord session, String token) {}
