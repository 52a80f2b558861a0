package dev.pulse.ha.zookeeper;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.util.concurrent.Uninterruptibles;
import dev.pulse.rm.store.MemoryRegistryStore;
import dev.pulse.rm.store.Mutation;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.StoreException;
import dev.pulse.rm.store.StoredAllocation;
import dev.pulse.rm.store.StoredEvent;
import dev.pulse.rm.store.StoredQuarantine;
import dev.pulse.rm.store.StoredState;
import dev.pulse.rm.store.StoredTaskExecutor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.TransactionOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RegistryStore} in ZooKeeper for one leadership term (SPEC 12), laid out as {@link ClusterPaths}
 * says.
 *
 * <h2>Fencing</h2>
 * {@link #open} increments the cluster's epoch counter by compare-and-set, in a transaction that also checks
 * that this process's leader-latch node exists (that it still holds the session that won the election), and
 * remembers the version that write gave the epoch node. Every later write is a transaction that starts with
 * the same two checks: once another leader incremented the epoch, or this process's session expired, every
 * write fails ({@link KeeperException.BadVersionException} or {@link KeeperException.NoNodeException}) and
 * nothing of it is applied. A leader flag is never trusted on its own.
 *
 * <h2>Group commit</h2>
 * As {@code SqliteRegistryStore}: {@link #apply} only queues; the store's thread takes everything queued and
 * commits it in transactions of at most {@value #MAX_OPS} operations (a {@link Mutation.Batch} is never split),
 * then completes the futures in the order of the calls. A failed transaction breaks the store: that write
 * and every later one fail with a {@link StoreException}. Futures complete on the store thread.
 *
 * <p>This store is the only writer of the {@code store} nodes while its term lasts, so it keeps which nodes
 * exist in memory and writes a put as a create or a set without asking ZooKeeper first.
 *
 * <p>Thread-safe.
 */
public final class ZooKeeperRegistryStore implements RegistryStore {

  private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperRegistryStore.class);
  /** Operations per transaction: far below ZooKeeper's 1 MB request limit at a few hundred bytes each. */
  static final int MAX_OPS = 500;

  private final CuratorFramework client;
  private final ClusterPaths paths;
  private final Supplier<String> latchNode;
  private final Consumer<String> deposed;
  private final ObjectMapper json = new ObjectMapper();
  private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
  private final Object lifecycle = new Object();
  private Thread thread; // guarded by lifecycle
  private boolean closed; // guarded by lifecycle
  private volatile StoreException broken;
  // Confined to open(), then to the store thread:
  private int epochVersion;
  private String ourLatchNode;
  private final Set<String> existing = new HashSet<>();
  private final Deque<Long> eventTail = new ArrayDeque<>();
  private long lastEventSeq;
  private volatile long epoch;

  /**
   * @param latchNode the path of this process's leader-latch node, or {@code null} when it has none (then
   *     {@link #open} fails): the node whose existence proves the session that won the election
   * @param deposed told (on the store thread) why, when {@link #confirmLeadership()} finds this term over
   */
  ZooKeeperRegistryStore(CuratorFramework client, ClusterPaths paths, Supplier<String> latchNode,
      Consumer<String> deposed) {
    this.client = Objects.requireNonNull(client, "client");
    this.paths = Objects.requireNonNull(paths, "paths");
    this.latchNode = Objects.requireNonNull(latchNode, "latchNode");
    this.deposed = Objects.requireNonNull(deposed, "deposed");
  }

  /** The epoch {@link #open} took; 0 before. */
  public long epoch() {
    return epoch;
  }

  @Override
  public StoredState open(String proposedResourceManagerId) {
    synchronized (lifecycle) {
      if (closed || thread != null) {
        throw new IllegalStateException("the ZooKeeper store " + paths.store() + " is " + (closed ? "closed" : "open"));
      }
      StoredState state;
      try {
        state = load(proposedResourceManagerId);
      } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
        throw new StoreException("this resource manager no longer leads (" + e.getMessage() + "): it may not take"
            + " an epoch", e);
      } catch (Exception e) {
        throw new StoreException("cannot open the ZooKeeper store " + paths.store() + ": " + e.getMessage(), e);
      }
      thread = new Thread(this::run, "pulse-zk-store");
      thread.setDaemon(true);
      thread.start();
      LOG.info("Opened the ZooKeeper store {} (epoch {}, {} allocations, {} task executors, last event {})",
          paths.store(), state.epoch(), state.allocations().size(), state.taskExecutors().size(),
          state.lastEventSeq());
      return state;
    }
  }

  private StoredState load(String proposedId) throws Exception {
    for (String parent : List.of(paths.allocations(), paths.taskExecutors(), paths.quarantines(), paths.events())) {
      try {
        client.create().creatingParentsIfNeeded().forPath(parent);
      } catch (KeeperException.NodeExistsException e) {
        // made by an earlier term
      }
    }
    try {
      client.create().creatingParentsIfNeeded().forPath(paths.epoch(), "0".getBytes(StandardCharsets.UTF_8));
    } catch (KeeperException.NodeExistsException e) {
      // made by an earlier term
    }
    ourLatchNode = latchNode.get();
    if (ourLatchNode == null) {
      throw new KeeperException.NoNodeException("this process has no leader-latch node");
    }
    Stat stat = new Stat();
    long previous = Long.parseLong(new String(client.getData().storingStatIn(stat).forPath(paths.epoch()),
        StandardCharsets.UTF_8).trim());
    long next = previous + 1;
    TransactionOp op = client.transactionOp();
    List<org.apache.curator.framework.api.transaction.CuratorTransactionResult> results = client.transaction()
        .forOperations(op.check().forPath(ourLatchNode),
            op.setData().withVersion(stat.getVersion()).forPath(paths.epoch(), Long.toString(next)
                .getBytes(StandardCharsets.UTF_8)));
    epochVersion = results.get(1).getResultStat().getVersion();
    epoch = next;

    String resourceManagerId;
    if (client.checkExists().forPath(paths.meta()) == null) {
      resourceManagerId = proposedId;
      client.transaction().forOperations(fence(op, op.create().forPath(paths.meta(),
          json.writeValueAsBytes(new Meta(proposedId)))));
    } else {
      resourceManagerId = json.readValue(client.getData().forPath(paths.meta()), Meta.class).resourceManagerId();
    }
    List<StoredAllocation> allocations = readAll(paths.allocations(), StoredAllocation.class);
    List<StoredTaskExecutor> taskExecutors = readAll(paths.taskExecutors(), StoredTaskExecutor.class);
    List<StoredQuarantine> quarantines = readAll(paths.quarantines(), StoredQuarantine.class);
    List<String> eventNames = new ArrayList<>(client.getChildren().forPath(paths.events()));
    eventNames.sort(null);
    List<StoredEvent> events = new ArrayList<>();
    for (String name : eventNames) {
      events.add(json.readValue(client.getData().forPath(paths.events() + "/" + name), StoredEvent.class));
      eventTail.addLast(Long.parseLong(name));
    }
    lastEventSeq = eventTail.isEmpty() ? 0 : eventTail.getLast();
    return new StoredState(resourceManagerId, next, allocations, taskExecutors, lastEventSeq, events, quarantines);
  }

  private <T> List<T> readAll(String parent, Class<T> type) throws Exception {
    List<T> values = new ArrayList<>();
    for (String name : client.getChildren().forPath(parent)) {
      existing.add(parent + "/" + name);
      values.add(json.readValue(client.getData().forPath(parent + "/" + name), type));
    }
    return values;
  }

  /** The checks every write of this term starts with, followed by {@code ops}. */
  private List<CuratorOp> fence(TransactionOp op, CuratorOp... ops) throws Exception {
    List<CuratorOp> all = new ArrayList<>(ops.length + 2);
    all.add(op.check().forPath(ourLatchNode));
    all.add(op.check().withVersion(epochVersion).forPath(paths.epoch()));
    all.addAll(List.of(ops));
    return all;
  }

  @Override
  public CompletableFuture<Void> apply(Mutation mutation) {
    Objects.requireNonNull(mutation, "mutation");
    CompletableFuture<Void> done = new CompletableFuture<>();
    enqueue(new Request(mutation, null, false, done));
    return done;
  }

  /**
   * Publishes {@code data} as the leader node (ephemeral: it goes with this process's session), replacing a
   * deposed leader's; fenced like every write, and ordered after the writes queued before it.
   */
  CompletableFuture<Void> publishLeader(byte[] data) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    enqueue(new Request(null, data.clone(), false, done));
    return done;
  }

  /**
   * A transaction of this term's two fencing checks alone, after the writes queued before it: ZooKeeper's
   * leader orders it after every write it accepted, so it cannot pass on a stale view. Passing proves that
   * no other term began and that this process's latch node (its session) still exists; failing breaks the
   * store (as a refused write does) and tells the election ({@code deposed}).
   */
  @Override
  public CompletableFuture<Void> confirmLeadership() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    enqueue(new Request(null, null, true, done));
    return done;
  }

  @Override
  public CompletableFuture<Path> backup(Path file) {
    return CompletableFuture.failedFuture(new StoreException("in high-availability mode the state lives in"
        + " ZooKeeper: back up ZooKeeper's data directory (its snapshots and transaction logs) instead"));
  }

  @Override
  public void close() {
    Thread storeThread;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      storeThread = thread;
      queue.add(Request.STOP);
    }
    if (storeThread != null) {
      Uninterruptibles.joinUninterruptibly(storeThread); // commits what is queued; keeps an interrupt
    }
  }

  private void enqueue(Request request) {
    synchronized (lifecycle) {
      if (thread == null || closed) {
        request.done().completeExceptionally(new StoreException("the ZooKeeper store " + paths.store() + " is "
            + (closed ? "closed" : "not open")));
        return;
      }
      if (broken != null) {
        request.done().completeExceptionally(broken);
        return;
      }
      queue.add(request);
    }
  }

  /** The store thread: one turn per drained queue, until STOP. */
  private void run() {
    List<Request> batch = new ArrayList<>();
    boolean stopping = false;
    while (!stopping) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        continue; // only close() ends this thread
      }
      queue.drainTo(batch);
      int stop = batch.indexOf(Request.STOP);
      if (stop >= 0) {
        stopping = true;
        batch = new ArrayList<>(batch.subList(0, stop));
      }
      commitAll(batch);
      batch.clear();
    }
  }

  /** Commits {@code requests} in transactions of at most {@link #MAX_OPS} operations (more for one big batch). */
  private void commitAll(List<Request> requests) {
    TransactionOp op = client.transactionOp();
    List<Request> pending = new ArrayList<>();
    List<CuratorOp> ops = new ArrayList<>();
    for (Request request : requests) {
      if (broken != null) {
        request.done().completeExceptionally(broken);
        continue;
      }
      if (request.leaderData() != null) {
        commit(op, ops, pending);
        publish(op, request);
        continue;
      }
      if (request.check()) {
        commit(op, ops, pending);
        check(op, request);
        continue;
      }
      List<CuratorOp> more;
      try {
        more = ops(op, request.mutation());
      } catch (Exception e) {
        breakWith("cannot write " + request.mutation(), e);
        request.done().completeExceptionally(broken);
        continue;
      }
      if (!ops.isEmpty() && ops.size() + more.size() > MAX_OPS) {
        commit(op, ops, pending);
      }
      ops.addAll(more);
      pending.add(request);
    }
    commit(op, ops, pending);
  }

  private void commit(TransactionOp op, List<CuratorOp> ops, List<Request> pending) {
    if (pending.isEmpty()) {
      return;
    }
    if (broken == null) {
      try {
        client.transaction().forOperations(fence(op, ops.toArray(CuratorOp[]::new)));
      } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
        breakWith("this resource manager was deposed: its epoch " + epoch + " is over or its session expired", e);
      } catch (Exception e) {
        breakWith("a transaction of " + pending.size() + " writes failed", e);
      }
    }
    for (Request request : pending) {
      if (broken == null) {
        request.done().complete(null);
      } else {
        request.done().completeExceptionally(broken);
      }
    }
    pending.clear();
    ops.clear();
  }

  private void breakWith(String why, Exception cause) {
    if (broken == null) {
      broken = new StoreException("the ZooKeeper store " + paths.store() + " accepts no more writes: " + why + " ("
          + cause + ")", cause);
      LOG.error("The ZooKeeper store {} is broken: {}; this and every later write fail", paths.store(), why);
    }
  }

  /**
   * Replaces the leader node. A deposed leader's ephemeral node may vanish (its session expires) between the
   * look and the transaction; then the transaction is tried again, as long as this term's checks hold.
   */
  private void publish(TransactionOp op, Request request) {
    for (int attempt = 1; broken == null; attempt++) {
      try {
        List<CuratorOp> ops = new ArrayList<>();
        if (client.checkExists().forPath(paths.leader()) != null) {
          ops.add(op.delete().forPath(paths.leader()));
        }
        ops.add(op.create().withMode(CreateMode.EPHEMERAL).forPath(paths.leader(), request.leaderData()));
        client.transaction().forOperations(fence(op, ops.toArray(CuratorOp[]::new)));
        request.done().complete(null);
        return;
      } catch (Exception e) {
        if (attempt >= 3 || !stillOurs()) {
          breakWith("cannot publish the leader's address", e);
        }
      }
    }
    request.done().completeExceptionally(broken);
  }

  private void check(TransactionOp op, Request request) {
    if (broken == null) {
      try {
        client.transaction().forOperations(fence(op));
      } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
        breakWith("this resource manager was deposed: its epoch " + epoch + " is over or its session expired", e);
      } catch (Exception e) {
        breakWith("its leadership could not be confirmed", e);
      }
    }
    if (broken == null) {
      request.done().complete(null);
    } else {
      deposed.accept(broken.getMessage()); // first: whoever waits for the check finds the election told
      request.done().completeExceptionally(broken);
    }
  }

  /** Whether this term's fencing checks still hold (as far as a read can tell). */
  private boolean stillOurs() {
    try {
      Stat epochStat = client.checkExists().forPath(paths.epoch());
      return epochStat != null && epochStat.getVersion() == epochVersion
          && client.checkExists().forPath(ourLatchNode) != null;
    } catch (Exception e) {
      return false;
    }
  }

  /** The operations of one mutation; updates the in-memory index as if they were committed. */
  private List<CuratorOp> ops(TransactionOp op, Mutation mutation) throws Exception {
    List<CuratorOp> ops = new ArrayList<>();
    if (mutation instanceof Mutation.Batch b) {
      for (Mutation m : b.mutations()) {
        ops.addAll(ops(op, m));
      }
    } else if (mutation instanceof Mutation.PutAllocation p) {
      put(op, ops, ClusterPaths.child(paths.allocations(), p.allocation().allocationId()), p.allocation());
    } else if (mutation instanceof Mutation.RemoveAllocation r) {
      remove(op, ops, ClusterPaths.child(paths.allocations(), r.allocationId()));
    } else if (mutation instanceof Mutation.PutTaskExecutor p) {
      put(op, ops, ClusterPaths.child(paths.taskExecutors(), p.taskExecutor().resourceId()), p.taskExecutor());
    } else if (mutation instanceof Mutation.RemoveTaskExecutor r) {
      remove(op, ops, ClusterPaths.child(paths.taskExecutors(), r.resourceId()));
    } else if (mutation instanceof Mutation.PutQuarantine p) {
      put(op, ops, ClusterPaths.child(paths.quarantines(), p.quarantine().resourceId()), p.quarantine());
    } else if (mutation instanceof Mutation.RemoveQuarantine r) {
      remove(op, ops, ClusterPaths.child(paths.quarantines(), r.resourceId()));
    } else if (mutation instanceof Mutation.AppendEvent e && e.event().seq() > lastEventSeq) {
      lastEventSeq = e.event().seq();
      ops.add(op.create().forPath(paths.events() + "/" + ClusterPaths.eventName(lastEventSeq),
          json.writeValueAsBytes(e.event())));
      eventTail.addLast(lastEventSeq);
      while (eventTail.size() > MemoryRegistryStore.EVENT_TAIL) {
        ops.add(op.delete().forPath(paths.events() + "/" + ClusterPaths.eventName(eventTail.removeFirst())));
      }
    }
    return ops;
  }

  private void put(TransactionOp op, List<CuratorOp> ops, String path, Object value) throws Exception {
    byte[] data = json.writeValueAsBytes(value);
    ops.add(existing.add(path) ? op.create().forPath(path, data) : op.setData().forPath(path, data));
  }

  private void remove(TransactionOp op, List<CuratorOp> ops, String path) throws Exception {
    if (existing.remove(path)) {
      ops.add(op.delete().forPath(path));
    }
  }

  /** The cluster's identity, kept across terms. */
  record Meta(String resourceManagerId) {}

  /**
   * A write ({@code mutation}), a publication of the leader ({@code leaderData}), a check of this term's fencing
   * ({@code check}) or {@link #STOP}.
   */
  private record Request(Mutation mutation, byte[] leaderData, boolean check, CompletableFuture<Void> done) {
    static final Request STOP = new Request(null, null, false, new CompletableFuture<>());
  }
}
