package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.config.Settings;
import dev.pulse.rm.Allocation;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.ResourceManagerListener;
import dev.pulse.rm.TaskExecutorInfo;
import dev.pulse.rm.server.ResourceManagerServer;
import dev.pulse.te.server.TaskExecutorServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's "Embedding Pulse" example, run as a test; a second test keeps the README's copy of the
 * example identical to the code here.
 */
class EmbeddingExampleTest {

  @Test
  void embeddedResourceManager_hearsWhenItsSlotsAreLost() throws Exception {
    // README-EXAMPLE-START
    Settings settings = Settings.of(
        "heartbeat.interval", "200 ms", "heartbeat.timeout", "2 s",
        "resourcemanager.rpc.port", "0",   // any free port
        "rest.port", "0");

    // Your scheduler hears what happens on the resource manager's main thread.
    CountDownLatch registered = new CountDownLatch(2);
    List<String> lost = new CopyOnWriteArrayList<>();
    ResourceManagerListener scheduler = new ResourceManagerListener() {
      @Override
      public void taskExecutorRegistered(TaskExecutorInfo taskExecutor) {
        registered.countDown();
      }

      @Override
      public void allocationLost(Allocation allocation, LossReason reason, String detail) {
        lost.add(allocation.jobId() + " lost slot " + allocation.slotIndex() + " of "
            + allocation.taskExecutorId() + ": " + reason);
      }
    };

    // The server serves gRPC (for task executors and jobs), REST and /metrics around the facade it starts.
    try (ResourceManagerServer server = ResourceManagerServer.builder().settings(settings).listener(scheduler)
        .build().start()) {
      ResourceManager rm = server.resourceManager();
      Settings worker = settings.with("resourcemanager.rpc.port", Integer.toString(server.rpcAddress().getPort()))
          .with("taskexecutor.numberOfTaskSlots", "2");
      try (TaskExecutorServer te1 = TaskExecutorServer.builder().settings(worker.with("taskexecutor.resource-id", "te-1")).build();
           TaskExecutorServer te2 = TaskExecutorServer.builder().settings(worker.with("taskexecutor.resource-id", "te-2")).build()) {
        te1.start();
        te2.start();
        registered.await(30, TimeUnit.SECONDS);

        List<Allocation> slots = rm.allocateSlots("job-1", 3).get(10, TimeUnit.SECONDS);
        System.out.println("job-1 runs on " + slots);

        te1.close(); // te-1 leaves: the resource manager has released it when close() returns
        System.out.println(lost); // e.g. [job-1 lost slot 0 of te-1: DISCONNECTED]
      }
    }
    // README-EXAMPLE-END
    // te-1's slots were lost when it left; te-2's when the example closed it at the end.
    assertThat(lost).allSatisfy(s -> assertThat(s).startsWith("job-1 lost slot ").endsWith(": DISCONNECTED"));
    assertThat(lost.get(0)).endsWith(" of te-1: DISCONNECTED");
    assertThat(lost).filteredOn(s -> s.contains(" of te-1: ")).hasSizeBetween(1, 2);
    assertThat(lost).hasSize(3);
  }

  @Test
  void readmeShowsExactlyThisExample() throws IOException {
    Path source = Path.of("src", "test", "java", "dev", "pulse", "harness", "EmbeddingExampleTest.java");
    List<String> lines = Files.readAllLines(source);
    int start = lines.indexOf("    // README-EXAMPLE-START");
    int end = lines.indexOf("    // README-EXAMPLE-END");
    String example = lines.subList(start + 1, end).stream()
        .map(l -> l.length() >= 4 ? l.substring(4) : l.strip())
        .collect(Collectors.joining("\n"));
    assertThat(Files.readString(Path.of("..", "README.md"))).contains(example);
  }
}
