package dev.pulse.rm.server;

import dev.pulse.rm.TaskExecutorAdmission;
import dev.pulse.rpc.OpenFiles;
import java.util.Objects;
import java.util.Optional;

/**
 * Admits new task executors while the process is not near its open-files limit: each one costs a
 * descriptor for its heartbeat channel. Thread-safe; reads only what {@link OpenFiles} sampled, so it
 * never blocks the main thread.
 */
public final class OpenFilesAdmission implements TaskExecutorAdmission {

  private final OpenFiles files;

  public OpenFilesAdmission(OpenFiles files) {
    this.files = Objects.requireNonNull(files, "files");
  }

  @Override
  public Optional<String> refusal() {
    if (!files.nearLimit()) {
      return Optional.empty();
    }
    return Optional.of("the resource manager is near its open-files limit (" + files.open() + " of "
        + files.limit() + " in use) and takes no new task executor; retry later");
  }

  @Override
  public void admitted() {
    files.opened(); // its heartbeat channel, until the next sample counts it
  }
}
