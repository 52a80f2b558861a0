package dev.pulse.te.grpc;

import dev.pulse.rpc.ChannelPool;
import dev.pulse.te.Registration;
import dev.pulse.te.ResourceManagerCallException;
import dev.pulse.te.ResourceManagerClient;
import dev.pulse.te.SlotReport;
import dev.pulse.te.TaskExecutorInstance;
import dev.pulse.te.ha.ResourceManagerLocator;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@link ResourceManagerClient} that calls whichever resource manager leads now ({@link ResourceManagerLocator}):
 * each call asks the locator and goes over a {@link GrpcResourceManagerClient} to that address, opened when
 * the address changes (the previous one is closed). While no leader is known, a call fails at once with
 * {@code UNAVAILABLE}; the registration's backoff tries again.
 *
 * <p>Thread-safe (the current client is swapped under a lock; calls are made outside it).
 */
public final class LeaderFollowingResourceManagerClient implements ResourceManagerClient {

  private final ChannelPool channels;
  private final ResourceManagerLocator locator;
  private final HeartbeatAnswering answering;
  private final Object lock = new Object();
  private String currentAddress; // guarded by lock
  private GrpcResourceManagerClient current; // guarded by lock
  private boolean closed; // guarded by lock

  public LeaderFollowingResourceManagerClient(ChannelPool channels, ResourceManagerLocator locator) {
    this(channels, locator, null);
  }

  /** @param answering as {@link GrpcResourceManagerClient}'s; {@code null} if no heartbeat stream can be opened */
  public LeaderFollowingResourceManagerClient(ChannelPool channels, ResourceManagerLocator locator,
      HeartbeatAnswering answering) {
    this.channels = Objects.requireNonNull(channels, "channels");
    this.locator = Objects.requireNonNull(locator, "locator");
    this.answering = answering;
  }

  @Override
  public CompletableFuture<Registration> register(TaskExecutorInstance taskExecutor, String rpcAddress,
      int numberOfSlots, SlotReport slots) {
    Optional<GrpcResourceManagerClient> client = leader();
    return client.isEmpty() ? noLeader() : client.get().register(taskExecutor, rpcAddress, numberOfSlots, slots);
  }

  @Override
  public CompletableFuture<Void> sendSlotReport(String registrationId, TaskExecutorInstance taskExecutor,
      SlotReport slots) {
    Optional<GrpcResourceManagerClient> client = leader();
    return client.isEmpty() ? noLeader() : client.get().sendSlotReport(registrationId, taskExecutor, slots);
  }

  @Override
  public CompletableFuture<Void> disconnect(String registrationId, TaskExecutorInstance taskExecutor, String cause) {
    Optional<GrpcResourceManagerClient> client = leader();
    return client.isEmpty() ? noLeader() : client.get().disconnect(registrationId, taskExecutor, cause);
  }

  private Optional<GrpcResourceManagerClient> leader() {
    Optional<String> address = locator.leaderAddress();
    GrpcResourceManagerClient previous = null;
    GrpcResourceManagerClient client;
    synchronized (lock) {
      if (closed || address.isEmpty()) {
        return Optional.empty();
      }
      if (!address.get().equals(currentAddress)) {
        previous = current;
        current = new GrpcResourceManagerClient(channels, address.get(), answering);
        currentAddress = address.get();
      }
      client = current;
    }
    if (previous != null) {
      previous.close();
    }
    return Optional.of(client);
  }

  private <T> CompletableFuture<T> noLeader() {
    return CompletableFuture.failedFuture(ResourceManagerCallException.failed("UNAVAILABLE",
        "no resource manager leads now (" + locator.describe() + ")"));
  }

  @Override
  public void close() {
    GrpcResourceManagerClient last;
    synchronized (lock) {
      closed = true;
      last = current;
      current = null;
    }
    if (last != null) {
      last.close();
    }
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "the leading resource manager (" + locator.describe() + (currentAddress == null ? "" : ", last at "
          + currentAddress) + ")";
    }
  }
}
