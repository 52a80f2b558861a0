package dev.pulse.harness;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link NetworkFaultsContract} with the resource manager and task executors as child processes. */
class ProcessNetworkFaultsTest extends NetworkFaultsContract {

  @RegisterExtension
  static final MiniClusterExtension EXTENSION = MiniClusterExtension.perClass(cluster(MiniCluster.Mode.PROCESSES));

  @Override
  MiniCluster cluster() {
    return EXTENSION.cluster();
  }
}
