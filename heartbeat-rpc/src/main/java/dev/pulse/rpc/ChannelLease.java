package dev.pulse.rpc;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One user's hold on the pooled channel to one address; see {@link ChannelPool}. Make stubs from
 * {@link #channel()}; {@link #close()} when done. The channel itself cannot be shut down through a
 * lease: other leases may share it.
 *
 * <p>Thread-safe; {@link #close()} is idempotent, so a double close never releases another user's hold.
 */
public final class ChannelLease implements AutoCloseable {

  private final ChannelPool pool;
  private final String address;
  private final ManagedChannel channel;
  private final AtomicBoolean closed = new AtomicBoolean();

  ChannelLease(ChannelPool pool, String address, ManagedChannel channel) {
    this.pool = pool;
    this.address = address;
    this.channel = channel;
  }

  /** The channel, for making stubs. Calls on it fail once the lease's pool shut it down. */
  public Channel channel() {
    return channel;
  }

  /** The {@code host:port} the channel connects to. */
  public String address() {
    return address;
  }

  public boolean isClosed() {
    return closed.get();
  }

  /**
   * Ends gRPC's reconnect backoff on this channel, so the next call connects now instead of failing fast
   * until the backoff (which grows to minutes while the peer is down) runs out. For a caller that has
   * its own retry schedule or evidence that the peer is back.
   */
  public void reconnectNow() {
    channel.resetConnectBackoff();
  }

  /**
   * Starts connecting now if the channel is idle (gRPC channels otherwise connect on their first call), so
   * that the first call finds the connection made or under way. Does not wait.
   */
  public void connectNow() {
    channel.getState(true);
  }

  ManagedChannel managedChannel() {
    return channel;
  }

  /** Gives the hold back; the last one of an address shuts its channel down. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      pool.release(this);
    }
  }

  @Override
  public String toString() {
    return "ChannelLease{" + address + (closed.get() ? ", closed}" : "}");
  }
}
