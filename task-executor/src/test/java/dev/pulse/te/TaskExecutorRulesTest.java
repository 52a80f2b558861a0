package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.pulse.config.Limits;
import dev.pulse.heartbeat.ResourceId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The small rules of the task executor's core, each at the edge of its range. */
class TaskExecutorRulesTest {

  @Test
  void backoff_initialEqualToTheCap_isAllowed_andStaysThere() {
    RetryBackoff backoff = new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1));
    assertThat(List.of(backoff.nextDelay(), backoff.nextDelay())).containsOnly(Duration.ofSeconds(1));
  }

  @Test
  void backoff_reachingHalfTheCap_jumpsToTheCap() {
    // Half of 3 ns is 1 ns (rounded down): from 1 ns the next delay is the cap, not 2 ns.
    RetryBackoff backoff = new RetryBackoff(Duration.ofNanos(1), Duration.ofNanos(3));
    List<Duration> delays = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      delays.add(backoff.nextDelay());
    }
    assertThat(delays).containsExactly(Duration.ofNanos(1), Duration.ofNanos(3), Duration.ofNanos(3));
  }

  @Test
  void slotTable_upToTheLimit_andCountsItsAllocations() {
    assertThatCode(() -> new SlotTable(Limits.MAX_TASK_SLOTS)).doesNotThrowAnyException();
    assertThat(new SlotTable(1).size()).isEqualTo(1);
    SlotTable table = new SlotTable(3);
    table.allocate(0, "a1", "job-1");
    table.allocate(2, "a2", "job-1");
    assertThat(table.allocatedSlots()).isEqualTo(2);
  }

  @Test
  void instance_isByBothIds() {
    TaskExecutorInstance instance = new TaskExecutorInstance("te-1", "i-1");
    assertThat(instance.is("te-1", "i-1")).isTrue();
    assertThat(instance.is("te-1", "i-2")).isFalse();
    assertThat(instance.is("te-2", "i-1")).isFalse();
    assertThat(instance).hasToString("task executor te-1 instance i-1");
  }

  @Test
  void callException_messageIsTheCode_andTheDescriptionWhenThereIsOne() {
    assertThat(ResourceManagerCallException.failed("UNAVAILABLE", "")).hasMessage("UNAVAILABLE");
    assertThat(ResourceManagerCallException.failed("UNAVAILABLE", "refused")).hasMessage("UNAVAILABLE: refused");
  }

  @Test
  void invalidArgument_hintNamesTheKeyBehindEachField() {
    assertThat(hint("rpc_address: bad")).isEqualTo("check taskexecutor.rpc.address: it is advertised to the resource manager");
    assertThat(hint("number_of_slots: 0")).isEqualTo("check taskexecutor.numberOfTaskSlots");
    assertThat(hint("slot_report: slot 3")).isEqualTo("check taskexecutor.numberOfTaskSlots");
    assertThat(hint("task_executor.resource_id: bad")).isEqualTo("check taskexecutor.resource-id");
    assertThat(hint("something else")).isEqualTo("the resource manager may run an incompatible version of Pulse");
  }

  @Test
  void config_hostNameThatFitsBesideTheSuffix_isKeptWhole() {
    String host = "h".repeat(ResourceId.MAX_LENGTH - 9); // '-' and eight hex digits follow
    assertThat(TaskExecutorConfig.defaultResourceId(host, new Random(1)).value()).startsWith(host + "-")
        .hasSize(ResourceId.MAX_LENGTH);
  }

  @Test
  void config_bracketedIpv6Address_isAccepted_andResolved() {
    TaskExecutorConfig config = TaskExecutorConfig.from(dev.pulse.config.Settings.of(
        "taskexecutor.rpc.address", "[::1]", "resourcemanager.rpc.address", "[::1]"));
    assertThat(config.rpcAddress()).isEqualTo("::1");
    assertThat(config.resolveRpcAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
    assertThat(config.resourceManagerAddress()).isEqualTo("[::1]:6123");
  }

  private static String hint(String description) {
    return RegistrationFailure.of(new CompletionException(
        ResourceManagerCallException.failed("INVALID_ARGUMENT", description))).hint();
  }
}
