package run.caracal.cli.audit;

/**
 * The layer a person changes to make a denied or failed request pass, as `caracal explain`
 * names it on its `fix:` line. Ordered by what to fix first: a request that is both
 * misconfigured and denied by policy needs its configuration fixed before the policy matters.
 */
enum FixLayer {
  /** The agent's runtime configuration: app credentials, session, token, requested scopes. */
  RUNTIME_CONFIG("runtime config"),
  /** The resource registration: unknown resource, undeclared scope, no route. */
  RESOURCE_ROUTING("resource routing"),
  /** The policy set: rules, conditions, activation, delegation limits. */
  POLICY("policy"),
  /** The upstream service behind the Gateway: 5xx answers, timeouts, refused connections. */
  UPSTREAM("upstream"),
  /** Nothing to fix: the request was allowed and, when forwarded, the upstream answered. */
  NONE("nothing"),
  /** A reason `caracal explain` does not know. */
  UNKNOWN("unknown");

  private final String label;

  FixLayer(String label) {
    this.label = label;
  }

  /** The words printed on the `fix:` line and in JSON. */
  String label() {
    return label;
  }
}
