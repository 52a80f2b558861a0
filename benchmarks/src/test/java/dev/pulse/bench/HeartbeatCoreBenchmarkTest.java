package dev.pulse.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs {@link HeartbeatCoreBenchmark} the way JMH does, without JMH: trial set-up, a few operations,
 * tear-down with its sanity checks, for both managers at a small number of targets.
 */
class HeartbeatCoreBenchmarkTest {

  private static final int TARGETS = 100;

  @ParameterizedTest
  @ValueSource(strings = {"pulse", "pulse-realclock", "pulse-pending", "flink", "flink-pending"})
  void everyIntervalAsksAndHearsEveryTargetOnce(String impl) {
    HeartbeatCoreBenchmark benchmark = new HeartbeatCoreBenchmark();
    benchmark.impl = impl;
    benchmark.batch = 16;
    benchmark.targets = TARGETS;

    benchmark.setUp();
    for (int interval = 0; interval < 3; interval++) {
      assertThat(benchmark.heartbeatInterval()).isEqualTo(TARGETS);
    }
    assertThatCode(benchmark::tearDown).doesNotThrowAnyException();
  }
}
