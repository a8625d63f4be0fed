package run.caracal.policy.cel;

import com.google.protobuf.Descriptors.Descriptor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import run.caracal.policy.input.Context;
import run.caracal.policy.input.Delegation;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;
import run.caracal.policy.input.Session;

/**
 * The declared input of every condition: the top-level CEL variables, their protobuf types, and
 * which attributes exist only at request time (unknown while a token is issued).
 */
public final class InputSchema {
  public static final String PRINCIPAL = "principal";
  public static final String SESSION = "session";
  public static final String DELEGATION = "delegation";
  public static final String RESOURCE = "resource";
  public static final String REQUEST = "request";
  public static final String CONTEXT = "context";
  public static final String NOW = "now";
  public static final String VARIABLES = "variables";

  /** Top-level message variables and their types, in documentation order. */
  public static final Map<String, Descriptor> MESSAGES = Map.of(
      PRINCIPAL, Principal.getDescriptor(),
      SESSION, Session.getDescriptor(),
      DELEGATION, Delegation.getDescriptor(),
      RESOURCE, Resource.getDescriptor(),
      REQUEST, Request.getDescriptor(),
      CONTEXT, Context.getDescriptor());

  /** The fields of {@code request} that are unknown at phase `issue`. */
  public static final Set<String> REQUEST_TIME_FIELDS = Set.of("method", "path", "headers", "query", "body", "mcp");

  /** Every top-level name a condition may read. */
  public static final List<String> ROOTS = List.of(PRINCIPAL, SESSION, DELEGATION, RESOURCE, REQUEST, CONTEXT, NOW, VARIABLES);

  private InputSchema() {}
}
