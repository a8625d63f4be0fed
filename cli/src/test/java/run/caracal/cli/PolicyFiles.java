package run.caracal.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small policy files for the CLI tests: a `files` API, a policy for it, a set and its tests. */
final class PolicyFiles {
  static final String RESOURCE_AND_POLICY = """
      # The files API and who may use it.
      apiVersion: caracal.run/v1
      kind: Resource
      metadata: {name: files}
      spec:
        id: resource://files
        scopes: [files:read, files:write]
      ---
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: files-access}
      spec:
        resources: ["resource://files"]
        rules:
          - name: readers
            effect: allow
            scopes: [files:read]
            when: "'reader' in principal.labels"
          - name: writers
            effect: allow
            scopes: [files:write]
            when: request.method == 'PUT' && 'writer' in principal.labels
          - name: no-delegated-writes
            effect: deny
            scopes: [files:write]
            when: delegation.depth > 0
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: prod}
      spec: {policies: [files-access]}
      """;

  static final String PASSING_TESTS = """
      apiVersion: caracal.run/v1
      kind: PolicyTest
      metadata: {name: files-tests}
      spec:
        policySet: prod
        cases:
          - name: reader reads
            input:
              principal: {labels: [reader]}
              resource: {id: "resource://files"}
              request: {phase: request, scopes: ["files:read"]}
            expect: {decision: allow, rules: [files-access/readers], reasons: [allowed_by_rule]}
          - name: writer token is issuable
            input:
              principal: {labels: [writer]}
              resource: {id: "resource://files"}
              request: {phase: issue, scopes: ["files:write"]}
            expect: {decision: allow, rules: [files-access/writers]}
          - name: stranger is denied
            input:
              resource: {id: "resource://files"}
              request: {phase: request, scopes: ["files:read"]}
            expect: {decision: deny, rules: [], reasons: [no_matching_rule]}
      """;

  /** A suite whose second case expects the wrong decision. */
  static final String FAILING_TESTS = """
      apiVersion: caracal.run/v1
      kind: PolicyTest
      metadata: {name: files-tests}
      spec:
        policySet: prod
        cases:
          - name: reader reads
            input:
              principal: {labels: [reader]}
              resource: {id: "resource://files"}
              request: {scopes: ["files:read"]}
            expect: {decision: allow}
          - name: stranger reads
            input:
              resource: {id: "resource://files"}
              request: {scopes: ["files:read"]}
            expect: {decision: allow, rules: [files-access/readers]}
      """;

  private PolicyFiles() {}

  static Path write(Path dir, String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }
}
