package run.caracal.control.pipeline;

import java.util.Optional;
import run.caracal.control.app.Application;

/** Reads applications for decisions. Thread-safe. */
public interface AppReads {
  Optional<Application> find(String id);
}
