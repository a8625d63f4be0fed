package run.caracal.policy.model;

import run.caracal.policy.yaml.ScalarText;

/** A named CEL sub-expression of a policy, read in conditions as {@code variables.NAME}. */
public record Variable(ScalarText name, ScalarText expression) {}
