package dev.pulse.rm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.rm.server.OpenFilesAdmission;
import dev.pulse.rpc.OpenFiles;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Near its open-files limit the resource manager takes no new task executor, and keeps the ones it has. */
class OpenFilesAdmissionTest {

  private long open = 10;
  private final OpenFiles files = OpenFiles.of("test", OpenFiles.Source.of(() -> open, () -> 256));
  private final LiveResourceManager live = new LiveResourceManager(b -> b.admission(new OpenFilesAdmission(files)));

  @AfterEach
  void close() {
    live.close();
  }

  @Test
  void nearTheLimit_newExecutorsAreRefused_knownOnesMayRegisterAgain() {
    ResourceManager rm = live.start();
    live.register("te-1", 2);

    open = 240;
    files.sample();
    assertThatThrownBy(() -> rm.registerTaskExecutor(FakeTaskExecutors.registration("te-2", "i-2", 1)).get())
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(OverloadedException.class)
        .hasMessageContaining("open-files limit (240 of 256 in use)");
    assertThat(rm.registrationsRefused(RegistrationRefusal.ADMISSION)).isEqualTo(1);
    assertThat(live.register("te-1", 2).registrationId()).isNotBlank();
    assertThat(rm.overview().taskExecutors()).isEqualTo(1);

    open = 100;
    files.sample();
    live.register("te-2", 1);
    assertThat(rm.overview().taskExecutors()).isEqualTo(2);
  }
}
