package dev.pulse.rpc;

import dev.pulse.config.HostPort;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.NegotiationType;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC channels a process opens to its peers: one channel per peer address, shared by everyone
 * who talks to that address, on the {@link RpcTransport}'s event loops and with its TLS, token,
 * message size limit and keepalive.
 *
 * <p>Lifecycle: {@link #acquire} hands out a {@link ChannelLease} and opens the channel on the first
 * lease of an address; closing the last lease of an address shuts its channel down at once
 * ({@code shutdownNow}: calls still in flight fail with {@code CANCELLED} or {@code UNAVAILABLE}).
 * The resource manager takes a lease when it starts monitoring a task executor and closes it when it
 * stops, so channels live exactly as long as some registration needs them, and a task executor that
 * restarted at the same address shares the channel with its old registration until that one is gone.
 * Opening a channel does no I/O: it connects on its first call.
 *
 * <p>Channels never retry calls themselves: Pulse's callers own their retries (the heartbeat sender
 * asks again next interval, the task executor's registration backs off).
 *
 * <p>Thread-safe. The lock guards only the address table; channels are shut down outside it.
 */
public final class ChannelPool implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ChannelPool.class);

  private final RpcTransport transport;
  private final List<ClientInterceptor> interceptors;
  private final Object lock = new Object();
  /** Guarded by {@link #lock}. */
  private final Map<String, Entry> open = new HashMap<>();
  /** Shut down, not yet terminated; pruned as they terminate. */
  private final Set<ManagedChannel> closing = ConcurrentHashMap.newKeySet();
  /** Guarded by {@link #lock}. */
  private boolean closed;

  public ChannelPool(RpcTransport transport) {
    this(transport, List.of());
  }

  /**
   * A pool whose channels run every call through {@code interceptors} (in gRPC's order: the last one
   * runs first), outside the token interceptor, e.g. to fail or delay calls in tests.
   */
  public ChannelPool(RpcTransport transport, List<ClientInterceptor> interceptors) {
    this.transport = Objects.requireNonNull(transport, "transport");
    this.interceptors = List.copyOf(interceptors);
  }

  /**
   * A lease on the channel to {@code address}, opening the channel if no lease of it is open.
   *
   * @param address {@code host:port} of the peer's RPC server
   * @throws IllegalArgumentException if {@code address} is not {@code host:port}
   * @throws IllegalStateException if the pool is closed
   */
  public ChannelLease acquire(String address) {
    String problem = HostPort.problem(address);
    if (problem != null) {
      throw new IllegalArgumentException("address " + problem);
    }
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("channel pool is closed; cannot open a channel to " + address);
      }
      // Building a channel does no I/O and starts nothing: it is cheap enough to do under the lock.
      Entry entry = open.computeIfAbsent(address, a -> new Entry(newChannel(a)));
      entry.leases++;
      return new ChannelLease(this, address, entry.channel);
    }
  }

  /** Addresses with at least one open lease. */
  public int openChannels() {
    synchronized (lock) {
      return open.size();
    }
  }

  /**
   * Channels that are open or were shut down and have not terminated yet: what the pool still holds
   * resources for. Drops to {@link #openChannels()} shortly after leases are closed.
   */
  public int liveChannels() {
    closing.removeIf(ManagedChannel::isTerminated);
    return openChannels() + closing.size();
  }

  /**
   * Shuts every channel down, whatever leases are open, and waits up to 5 s for them to terminate.
   * Later {@link #acquire} calls fail. Idempotent.
   */
  @Override
  public void close() {
    List<ManagedChannel> channels = new ArrayList<>();
    synchronized (lock) {
      closed = true;
      open.values().forEach(e -> channels.add(e.channel));
      open.clear();
    }
    channels.forEach(this::shutDown);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    for (ManagedChannel channel : List.copyOf(closing)) {
      try {
        if (!channel.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          LOG.warn("Channel {} did not terminate within 5 s", channel);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    closing.removeIf(ManagedChannel::isTerminated);
  }

  /** Called by {@link ChannelLease#close()}, once per lease. */
  void release(ChannelLease lease) {
    ManagedChannel toShutDown = null;
    synchronized (lock) {
      Entry entry = open.get(lease.address());
      if (entry != null && entry.channel == lease.managedChannel() && --entry.leases == 0) {
        open.remove(lease.address());
        toShutDown = entry.channel;
      }
    }
    if (toShutDown != null) {
      shutDown(toShutDown);
    }
  }

  private void shutDown(ManagedChannel channel) {
    closing.removeIf(ManagedChannel::isTerminated);
    closing.add(channel);
    channel.shutdownNow();
  }

  private ManagedChannel newChannel(String address) {
    RpcConfig config = transport.config();
    KeepAlivePolicy keepAlive = config.keepAlive();
    NettyChannelBuilder builder = NettyChannelBuilder.forTarget("dns:///" + address)
        .eventLoopGroup(transport.eventLoops())
        .channelType(transport.channelType())
        .maxInboundMessageSize(config.maxInboundMessageBytes())
        .keepAliveTime(keepAlive.time().toNanos(), TimeUnit.NANOSECONDS)
        .keepAliveTimeout(keepAlive.timeout().toNanos(), TimeUnit.NANOSECONDS)
        .keepAliveWithoutCalls(true)
        .disableRetry();
    if (transport.tlsEnabled()) {
      builder.negotiationType(NegotiationType.TLS).sslContext(transport.clientTls());
    } else {
      builder.usePlaintext();
    }
    if (transport.authEnabled()) {
      builder.intercept(transport.token().clientInterceptor());
    }
    builder.intercept(interceptors);
    return builder.build();
  }

  /** One address's channel and how many leases hold it. */
  private static final class Entry {
    final ManagedChannel channel;
    int leases;

    Entry(ManagedChannel channel) {
      this.channel = channel;
    }
  }
}
