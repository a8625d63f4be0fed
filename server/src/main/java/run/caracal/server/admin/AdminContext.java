package run.caracal.server.admin;

import run.caracal.control.ControlPlane;
import run.caracal.sts.session.SessionService;

/** What the admin API needs: the control plane, the session service and the admin token. */
public record AdminContext(ControlPlane control, SessionService sessions, String adminToken) {}
