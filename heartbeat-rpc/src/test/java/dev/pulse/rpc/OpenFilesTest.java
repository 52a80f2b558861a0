package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.LogCapture;
import org.junit.jupiter.api.Test;

class OpenFilesTest {

  private long open;
  private long limit = 256;
  private final OpenFiles files = OpenFiles.of("Resource manager rm-1", OpenFiles.Source.of(() -> open, () -> limit));

  @Test
  void reserve_isAnEighthOfTheLimit_between32And1000() {
    assertThat(OpenFiles.reserveFor(100)).isEqualTo(32);
    assertThat(OpenFiles.reserveFor(256)).isEqualTo(32);
    assertThat(OpenFiles.reserveFor(4_096)).isEqualTo(512);
    assertThat(OpenFiles.reserveFor(20_000)).isEqualTo(1_000);
  }

  @Test
  void nearLimit_fromTheReserveOn_andLoggedOnceEachWay() {
    try (LogCapture log = LogCapture.of(OpenFiles.class)) {
      open = 223;
      files.sample();
      assertThat(files.nearLimit()).isFalse();

      open = 224; // 32 left
      files.sample();
      files.sample();
      assertThat(files.nearLimit()).isTrue();
      assertThat(files.open()).isEqualTo(224);
      assertThat(files.limit()).isEqualTo(256);

      open = 100;
      files.sample();
      assertThat(files.nearLimit()).isFalse();
      assertThat(log.messages()).hasSize(2);
      assertThat(log.messages().get(0)).contains("224 of 256", "ulimit -n", "LimitNOFILE");
      assertThat(log.messages().get(1)).contains("below its open-files limit again");
    }
  }

  @Test
  void countThatFails_meansNoDescriptorLeft() {
    open = -1; // listing /proc/self/fd needs a descriptor too
    files.sample();
    assertThat(files.nearLimit()).isTrue();
  }

  @Test
  void unknownLimit_isNeverNear() {
    limit = -1;
    open = 1_000_000;
    files.sample();
    assertThat(files.nearLimit()).isFalse();
    assertThat(files.reserve()).isEqualTo(-1);
  }

  @Test
  void system_readsThisJvmsDescriptors() {
    OpenFiles.Source system = OpenFiles.system();
    assertThat(system.limit()).isPositive();
    assertThat(system.open()).isPositive().isLessThanOrEqualTo(system.limit());
  }
}
