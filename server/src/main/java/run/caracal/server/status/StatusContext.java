package run.caracal.server.status;

import java.util.Optional;
import java.util.Set;
import run.caracal.control.ControlPlane;

/** What the status endpoints inspect: the control plane (database, keys, policies) and the roles. */
public record StatusContext(ControlPlane control, Set<String> roles, Optional<String> gatewayUrl, String stsUrl) {}
