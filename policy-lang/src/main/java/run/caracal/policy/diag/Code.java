package run.caracal.policy.diag;

import java.util.Locale;

/**
 * Every diagnostic code the policy tools report, with its fixed severity and a one-line
 * explanation. The ids are a contract: CI configurations and editors match on them.
 */
public enum Code {
  YAML_SYNTAX(Severity.ERROR, "the file is not valid YAML"),
  EMPTY_FILE(Severity.WARNING, "the file holds no documents"),
  INVALID_DOCUMENT(Severity.ERROR, "a document is not a mapping with apiVersion, kind, metadata and spec"),
  UNSUPPORTED_API_VERSION(Severity.ERROR, "apiVersion is not `caracal.run/v1`"),
  UNKNOWN_KIND(Severity.ERROR, "kind is not Policy, PolicySet, Resource or PolicyTest"),
  UNKNOWN_KEY(Severity.ERROR, "a key the document format does not define"),
  DUPLICATE_KEY(Severity.ERROR, "the same key appears twice in one mapping"),
  MISSING_FIELD(Severity.ERROR, "a required field is absent or empty"),
  INVALID_TYPE(Severity.ERROR, "a value has the wrong YAML type"),
  INVALID_VALUE(Severity.ERROR, "a value is outside what the field allows (enum, name, id or glob syntax)"),
  DUPLICATE_NAME(Severity.ERROR, "two documents of one kind, two rules or two variables share a name"),
  MISSING_REFERENCE(Severity.ERROR, "a reference names a policy, policy set or resource that does not exist"),
  CEL_SYNTAX(Severity.ERROR, "a condition or variable is not valid CEL"),
  CEL_UNKNOWN_REFERENCE(Severity.ERROR, "a condition uses an undeclared variable, field or function"),
  CEL_TYPE(Severity.ERROR, "a condition does not type-check against the declared input"),
  CONDITION_NOT_BOOL(Severity.ERROR, "a `when` condition does not evaluate to a bool"),
  COMPLEXITY_LIMIT(Severity.ERROR, "an expression is too long, too deep or nests comprehensions too far"),
  VARIABLE_CYCLE(Severity.ERROR, "variables refer to each other in a cycle"),
  INVALID_TEST_INPUT(Severity.ERROR, "a test case input does not match the declared input types"),
  UNKNOWN_SCOPE(Severity.WARNING, "a rule names a scope that no Resource document declares"),
  UNREACHABLE_RULE(Severity.WARNING, "a rule can never decide: an unconditional deny or an earlier equivalent rule covers it"),
  CONSTANT_CONDITION(Severity.WARNING, "a condition reads no input, so it is always true or always false"),
  ALLOW_EVERYTHING(Severity.WARNING, "an allow rule grants every scope with no condition"),
  UNUSED_VARIABLE(Severity.WARNING, "a variable is declared but no rule or variable uses it"),
  UNTESTED_POLICY(Severity.WARNING, "no PolicyTest covers a policy set that includes this policy"),
  NO_RESOURCE_MATCH(Severity.WARNING, "a policy's resource pattern matches no Resource document"),
  UNKNOWN_ARGUMENT(Severity.WARNING, "a rule reads an MCP tool argument that the input schemas of the tools it applies to do not declare");

  private final Severity severity;
  private final String summary;

  Code(Severity severity, String summary) {
    this.severity = severity;
    this.summary = summary;
  }

  /** The stable snake_case id, for example {@code cel_type}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public Severity severity() {
    return severity;
  }

  public String summary() {
    return summary;
  }
}
