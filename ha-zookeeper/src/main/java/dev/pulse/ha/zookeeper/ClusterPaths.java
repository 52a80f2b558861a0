package dev.pulse.ha.zookeeper;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Where one cluster keeps what in ZooKeeper, below {@code pathRoot/clusterId}:
 *
 * <pre>
 *   latch/                    the leader latch's contenders (ephemeral sequential, Curator's LeaderLatch)
 *   epoch                     the epoch counter, decimal; each new leader increments it by compare-and-set
 *   leader                    the leader's addresses, JSON (ephemeral: gone with the leader's session)
 *   store/meta                the cluster's resource manager id, JSON
 *   store/allocations/ID      one allocation, JSON
 *   store/taskexecutors/ID    one task executor record, JSON
 *   store/quarantines/ID      one loss history and quarantine, JSON
 *   store/events/SEQ          one event of the tail, JSON; SEQ zero-padded to 19 digits so names sort
 * </pre>
 *
 * Ids are URL-encoded into node names. Immutable.
 */
record ClusterPaths(String base) {

  String latch() {
    return base + "/latch";
  }

  String epoch() {
    return base + "/epoch";
  }

  String leader() {
    return base + "/leader";
  }

  String store() {
    return base + "/store";
  }

  String meta() {
    return store() + "/meta";
  }

  String allocations() {
    return store() + "/allocations";
  }

  String taskExecutors() {
    return store() + "/taskexecutors";
  }

  String quarantines() {
    return store() + "/quarantines";
  }

  String events() {
    return store() + "/events";
  }

  static String child(String parent, String id) {
    return parent + "/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
  }

  static String eventName(long seq) {
    return String.format("%019d", seq);
  }
}
