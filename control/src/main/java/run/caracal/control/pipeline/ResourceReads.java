package run.caracal.control.pipeline;

import java.util.Optional;
import run.caracal.control.resource.ResourceBinding;

/** Reads resource bindings and their sealed upstream credentials. Thread-safe. */
public interface ResourceReads {
  Optional<ResourceBinding> find(String zoneId, String id);

  /** The upstream credential, unsealed; empty when none is set. */
  Optional<String> credential(String zoneId, String id);
}
