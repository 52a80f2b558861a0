package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The extension's lifecycles, checked by running small test classes through the JUnit launcher:
 * per test, per class, and the default from {@code @ExtendWith}; clusters are stopped after a failing
 * test too. (The nested classes are not run by Surefire itself: it skips nested classes.)
 */
class MiniClusterExtensionTest {

  static final List<MiniCluster> SEEN = new CopyOnWriteArrayList<>();

  @Test
  void perTest_givesEachTestAFreshCluster_andStopsItAlsoWhenTheTestFails() {
    TestExecutionSummary summary = run(PerTestTests.class);

    assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
    assertThat(summary.getTestsFailedCount()).isEqualTo(1);
    assertThat(SEEN).hasSize(2).doesNotHaveDuplicates().allSatisfy(MiniClusterExtensionTest::assertStopped);
  }

  @Test
  void perClass_sharesOneClusterAcrossTheClass_andStopsItAfterwards() {
    TestExecutionSummary summary = run(PerClassTests.class);

    assertThat(summary.getTestsSucceededCount()).isEqualTo(2);
    assertThat(SEEN).hasSize(2);
    assertThat(SEEN.get(0)).isSameAs(SEEN.get(1));
    assertStopped(SEEN.get(0));
  }

  @Test
  void extendWith_givesTheDefaultCluster() {
    TestExecutionSummary summary = run(DefaultTests.class);

    assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
    assertThat(SEEN).singleElement().satisfies(MiniClusterExtensionTest::assertStopped);
  }

  private static TestExecutionSummary run(Class<?> testClass) {
    SEEN.clear();
    Launcher launcher = LauncherFactory.create();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(), listener);
    return listener.getSummary();
  }

  private static void assertStopped(MiniCluster cluster) {
    assertThat(cluster.taskExecutors()).noneMatch(TaskExecutorNode::isRunning);
    assertThat(((InProcessResourceManager) cluster.resourceManager()).resourceManager().isRunning()).isFalse();
  }

  static class PerTestTests {
    @RegisterExtension
    final MiniClusterExtension extension = MiniClusterExtension.perTest(MiniCluster.builder().taskExecutors(1));

    @Test
    void passes(MiniCluster cluster) {
      SEEN.add(cluster);
      assertThat(cluster.resourceManager().overview().taskExecutors()).isEqualTo(1);
    }

    @Test
    void fails(MiniCluster cluster) {
      SEEN.add(cluster);
      throw new AssertionError("failing on purpose");
    }
  }

  static class PerClassTests {
    @RegisterExtension
    static final MiniClusterExtension EXTENSION = MiniClusterExtension.perClass(MiniCluster.builder().taskExecutors(1));

    @Test
    void first(MiniCluster cluster) {
      SEEN.add(cluster);
    }

    @Test
    void second() {
      SEEN.add(EXTENSION.cluster());
    }
  }

  @ExtendWith(MiniClusterExtension.class)
  static class DefaultTests {
    @Test
    void defaults(MiniCluster cluster) {
      SEEN.add(cluster);
      assertThat(cluster.taskExecutors()).hasSize(2);
    }
  }
}
