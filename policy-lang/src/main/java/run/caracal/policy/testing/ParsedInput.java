package run.caracal.policy.testing;

import java.time.Instant;
import java.util.Optional;
import run.caracal.policy.input.Context;
import run.caracal.policy.input.Delegation;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;
import run.caracal.policy.input.Session;

/** A decision input read from a test case or a JSON file; {@code now} when the input gives one. */
public record ParsedInput(
    Principal principal, Session session, Delegation delegation, Resource resource, Request request, Context context,
    Optional<Instant> now) {}
