package dev.pulse.harness;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link NetworkFaultsContract} with the resource manager and task executors in the test's JVM. */
class InProcessNetworkFaultsTest extends NetworkFaultsContract {

  @RegisterExtension
  static final MiniClusterExtension EXTENSION = MiniClusterExtension.perClass(cluster(MiniCluster.Mode.IN_PROCESS));

  @Override
  MiniCluster cluster() {
    return EXTENSION.cluster();
  }
}
