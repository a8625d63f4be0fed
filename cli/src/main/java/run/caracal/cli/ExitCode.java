package run.caracal.cli;

/** Process exit codes of every `caracal` command. */
public enum ExitCode {
  OK(0),
  FINDINGS(1),
  USAGE(2),
  TESTS_FAILED(3),
  /** `policy simulate --fail-on-change`: the candidate would decide recorded traffic differently. */
  CHANGED(4);

  private final int code;

  ExitCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
