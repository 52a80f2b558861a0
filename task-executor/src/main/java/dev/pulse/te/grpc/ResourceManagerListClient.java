package dev.pulse.te.grpc;

import dev.pulse.rpc.ChannelPool;
import dev.pulse.te.Registration;
import dev.pulse.te.ResourceManagerCallException;
import dev.pulse.te.ResourceManagerClient;
import dev.pulse.te.SlotReport;
import dev.pulse.te.TaskExecutorInstance;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ResourceManagerClient} for a task executor given several resource managers that stand by for one
 * another ({@code resourcemanager.rpc.address: host:port[,host:port...]}) and no access to ZooKeeper (SPEC 12).
 * Each call goes to one of them, the <em>current</em> one (the first of the list to begin with), over a
 * {@link GrpcResourceManagerClient}. What a failed call teaches decides where the next one goes:
 *
 * <ul>
 *   <li>a standby's answer names the leader ({@code UNAVAILABLE} with the {@code pulse-leader-address}
 *       trailer): the leader is current from now on, listed or not;
 *   <li>the call reached no resource manager ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}), or a standby
 *       that knows no leader yet: the next address of the list is current (after the last, the first);
 *   <li>anything else was the resource manager's own answer (it is there and leads): it stays current.
 * </ul>
 *
 * <p>It never calls two at once and never retries by itself: the registration's backoff makes the next
 * attempt, which goes to the new current one. Thread-safe (the current client is swapped under a lock; calls
 * are made outside it).
 */
public final class ResourceManagerListClient implements ResourceManagerClient {

  private static final Logger LOG = LoggerFactory.getLogger(ResourceManagerListClient.class);

  private final ChannelPool channels;
  private final List<String> addresses;
  private final HeartbeatAnswering answering;
  private final Object lock = new Object();
  /** Index in {@link #addresses} of the last listed one tried; the next one after a miss follows it. */
  private int listed; // guarded by lock
  private String currentAddress; // guarded by lock
  private GrpcResourceManagerClient current; // guarded by lock
  private boolean closed; // guarded by lock

  /** @param addresses {@code host:port} of each resource manager, at least one, in the order to try them */
  public ResourceManagerListClient(ChannelPool channels, List<String> addresses) {
    this(channels, addresses, null);
  }

  /**
   * @param addresses as above
   * @param answering as {@link GrpcResourceManagerClient}'s; {@code null} if no heartbeat stream can be opened
   */
  public ResourceManagerListClient(ChannelPool channels, List<String> addresses, HeartbeatAnswering answering) {
    this.answering = answering;
    this.channels = Objects.requireNonNull(channels, "channels");
    this.addresses = List.copyOf(addresses);
    if (this.addresses.isEmpty()) {
      throw new IllegalArgumentException("no resource manager address");
    }
  }

  @Override
  public CompletableFuture<Registration> register(TaskExecutorInstance taskExecutor, String rpcAddress,
      int numberOfSlots, SlotReport slots) {
    return call(c -> c.register(taskExecutor, rpcAddress, numberOfSlots, slots));
  }

  @Override
  public CompletableFuture<Void> sendSlotReport(String registrationId, TaskExecutorInstance taskExecutor,
      SlotReport slots) {
    return call(c -> c.sendSlotReport(registrationId, taskExecutor, slots));
  }

  @Override
  public CompletableFuture<Void> disconnect(String registrationId, TaskExecutorInstance taskExecutor, String cause) {
    return call(c -> c.disconnect(registrationId, taskExecutor, cause));
  }

  /** {@code host:port} of the resource manager the next call goes to. */
  public String currentAddress() {
    synchronized (lock) {
      return currentAddress != null ? currentAddress : addresses.get(listed);
    }
  }

  private <T> CompletableFuture<T> call(Function<GrpcResourceManagerClient, CompletableFuture<T>> call) {
    GrpcResourceManagerClient client;
    String address;
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(ResourceManagerCallException.failed("UNAVAILABLE", "the client is closed"));
      }
      if (current == null) {
        currentAddress = addresses.get(listed);
        current = new GrpcResourceManagerClient(channels, currentAddress, answering);
      }
      client = current;
      address = currentAddress;
    }
    return call.apply(client).whenComplete((ok, failure) -> {
      if (failure != null) {
        failed(address, failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause() : failure);
      }
    });
  }

  /** Moves on after a failed call to {@code address}, unless another call moved on already. */
  private void failed(String address, Throwable failure) {
    if (!(failure instanceof ResourceManagerCallException e)) {
      return;
    }
    String next;
    GrpcResourceManagerClient previous;
    synchronized (lock) {
      if (closed || !address.equals(currentAddress)) {
        return;
      }
      if (e.leaderAddress().isPresent()) {
        next = e.leaderAddress().get();
      } else if (e.code().equals("UNAVAILABLE") || e.code().equals("DEADLINE_EXCEEDED")) {
        int at = addresses.indexOf(address);
        listed = ((at >= 0 ? at : listed) + 1) % addresses.size();
        next = addresses.get(listed);
      } else {
        return; // the resource manager itself answered: it is the one
      }
      if (next.equals(address)) {
        return;
      }
      previous = current;
      currentAddress = next;
      current = new GrpcResourceManagerClient(channels, next, answering);
    }
    previous.close();
    LOG.info("Resource manager {} {}; the next call goes to {}", address, e.leaderAddress().isPresent()
        ? "stands by and names the leader" : "did not answer as the leader (" + e.getMessage() + ")", next);
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
    return "resource managers " + String.join(",", addresses) + " (now " + currentAddress() + ")";
  }
}
