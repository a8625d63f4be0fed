package run.caracal.sts.api;

import run.caracal.control.ControlPlane;
import run.caracal.control.limit.RateLimiter;
import run.caracal.sts.session.SessionService;
import run.caracal.sts.token.Introspection;
import run.caracal.sts.token.TokenService;

/** The STS services the HTTP layer calls; provided as one bean by the server. */
public record StsContext(
    ControlPlane control, SessionService sessions, TokenService tokens, Introspection introspection, RateLimiter limiter,
    String issuer) {}
