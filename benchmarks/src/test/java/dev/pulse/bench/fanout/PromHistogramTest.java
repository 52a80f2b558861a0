package dev.pulse.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PromHistogramTest {

  private static final String NAME = "rtt_seconds";

  @Test
  void quantile_ofWindowDifference_interpolatesInsideBucket() {
    PromHistogram before = PromHistogram.of(Map.of(
        NAME + "_bucket{le=\"0.001\"}", 10.0, NAME + "_bucket{le=\"0.002\"}", 10.0,
        NAME + "_bucket{le=\"+Inf\"}", 10.0), NAME);
    PromHistogram after = PromHistogram.of(Map.of(
        NAME + "_bucket{le=\"0.001\"}", 60.0, NAME + "_bucket{le=\"0.002\"}", 110.0,
        NAME + "_bucket{le=\"+Inf\"}", 110.0), NAME);

    PromHistogram window = after.minus(before);

    assertThat(window.count()).isEqualTo(100);
    assertThat(window.quantile(0.5)).isCloseTo(0.001, within(1e-9));
    assertThat(window.quantile(0.99)).isCloseTo(0.00198, within(1e-9));
    assertThat(window.quantileUpperBound(0.99)).isEqualTo(0.002);
  }

  @Test
  void quantile_empty_isNaN() {
    assertThat(PromHistogram.of(Map.of(), NAME).quantile(0.5)).isNaN();
  }
}
