package dev.pulse.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class NettyDefaultsTest {

  @Test
  void apply_nothingSet_turnsTheLeakDetectorOff() {
    Properties p = new Properties();
    NettyDefaults.apply(p);
    assertThat(p.getProperty(NettyDefaults.LEAK_DETECTION)).isEqualTo("disabled");
  }

  @Test
  void apply_levelSetByTheOperator_keepsIt() {
    Properties p = new Properties();
    p.setProperty(NettyDefaults.LEAK_DETECTION, "paranoid");
    NettyDefaults.apply(p);
    assertThat(p.getProperty(NettyDefaults.LEAK_DETECTION)).isEqualTo("paranoid");
  }

  @Test
  void apply_legacyPropertySet_keepsItAndAddsNothing() {
    Properties p = new Properties();
    p.setProperty(NettyDefaults.LEAK_DETECTION_LEGACY, "advanced");
    NettyDefaults.apply(p);
    assertThat(p.getProperty(NettyDefaults.LEAK_DETECTION)).isNull();
    assertThat(p.getProperty(NettyDefaults.LEAK_DETECTION_LEGACY)).isEqualTo("advanced");
  }
}
