package dev.pulse.te;

import dev.pulse.config.Durations;
import dev.pulse.heartbeat.HeartbeatListener;
import dev.pulse.heartbeat.HeartbeatManager;
import dev.pulse.heartbeat.HeartbeatServices;
import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.Cancellable;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task executor's side of its relation with the resource manager: registers with retrying
 * backoff, follows the resource manager that accepted it (its fencing token), watches that resource
 * manager's heartbeat requests, registers again when it is lost, and gives up after
 * {@code taskexecutor.registration.timeout} without a registration.
 *
 * <pre>
 *   NEW --start--> REGISTERING --accepted--> REGISTERED
 *                  ^   |                        |
 *                  |   +--registration timeout--+--> GAVE_UP
 *                  +---- RM heartbeat timeout, or the RM dropped us ----+
 *   any state --close--> CLOSED (a REGISTERED one says goodbye first)
 * </pre>
 *
 * <p>Registration: one attempt at a time; after a failed one the next follows after the
 * {@link RetryBackoff} delay (full jitter under a ceiling of 100 ms doubling to 30 s, so that task
 * executors cut off together do not return together), which starts over after every accepted
 * registration. The registration timeout runs from the moment the task executor is without a
 * registration (start, or loss) and is cancelled when one is accepted. When it ends, the task executor
 * makes one last attempt at once rather than stop with the next attempt still up to 30 s away: a cut
 * shorter than the timeout never stops it. It stops if that attempt fails, or is not answered within
 * {@link #LAST_ATTEMPT_GRACE}; an attempt already in flight at the end is not waited for.
 *
 * <p>A resource manager that sheds load answers {@code RESOURCE_EXHAUSTED} with a hint of how long to wait
 * ({@link RetryBackoff#nextDelay(Duration)}): the next attempt follows after the hint plus a jittered share
 * of a window of at least a quarter of it, never sooner, and the ordinary backoff starts over (the resource
 * manager is up: the hint, not a ceiling grown while it was down, says when to come back).
 *
 * <p>A refusal that names a configuration problem ({@code INVALID_ARGUMENT}, {@code UNAUTHENTICATED},
 * see {@link RegistrationFailure}) is logged as an error with the key to check, and retried like any
 * other failure. Retrying costs nothing but a call per 30 s, and the fix may be on the resource
 * manager's side (during a rolling upgrade, or when its token is rotated), in which case the task
 * executor recovers without a restart. If it does not, the registration timeout still ends the
 * process, and its message repeats the refusal, so the cause is never hidden behind "no resource
 * manager".
 *
 * <p>Thread-safety: confined to the task executor's main thread, except {@link #registration()},
 * which any thread may read.
 */
final class ResourceManagerConnection implements HeartbeatListener<Void, Void> {

  /** How long the last attempt, made when the registration timeout ends, may take before the task executor stops. */
  static final Duration LAST_ATTEMPT_GRACE = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(ResourceManagerConnection.class);

  /** What the connection tells its owner; called on the main thread. */
  interface Events {
    /** A resource manager accepted the registration; its calls are now obeyed. */
    void registered(Registration registration);

    /** The registration is gone ({@code why} says how); the connection registers again. */
    void lost(Registration registration, String why);

    /** No registration for {@code taskexecutor.registration.timeout}; the connection stopped trying. */
    void gaveUp(String reason);
  }

  private enum State {
    /** Built, not started. */
    NEW,
    /** Without a registration: an attempt is in flight or the next one is scheduled. */
    REGISTERING,
    /** Registered; the resource manager's heartbeats are watched. */
    REGISTERED,
    /** The registration timeout elapsed; nothing more happens. */
    GAVE_UP,
    /** Closed by the owner; nothing more happens. */
    CLOSED
  }

  private final TaskExecutorInstance identity;
  private final int numberOfSlots;
  private final Supplier<SlotReport> slotReport;
  private final String resourceManagerAddress;
  private final Duration registrationTimeout;
  private final Duration heartbeatTimeout;
  private final ResourceManagerClient client;
  private final MainThreadExecutor main;
  private final RetryBackoff backoff;
  private final Events events;
  private final HeartbeatManager<Void, Void> heartbeats;

  private State state = State.NEW;
  private String advertisedAddress;
  private volatile Registration registration;
  private ResourceId monitoredResourceManager;
  private boolean attemptInFlight;
  /** The registration timeout has ended and its last attempt is under way. */
  private boolean lastAttempt;
  /** The token of the last resource manager this task executor followed, kept while it registers again. */
  private FencingToken lastFollowed;
  private int attempts;
  private RegistrationFailure lastFailure;
  private RegistrationFailure lastLoggedFailure;
  private long unregisteredSince;
  private Cancellable retryTimer;
  private Cancellable giveUpTimer;

  /**
   * @param identity this task executor process
   * @param numberOfSlots its slot count, sent with every registration
   * @param slotReport its slot table, read on the main thread for every registration attempt
   * @param resourceManagerAddress {@code host:port} of the resource manager, for log lines
   * @param registrationTimeout how long to go without a registration before giving up
   * @param heartbeatServices creates the manager that watches the resource manager's heartbeats
   */
  ResourceManagerConnection(TaskExecutorInstance identity, int numberOfSlots, Supplier<SlotReport> slotReport,
      String resourceManagerAddress, Duration registrationTimeout, HeartbeatServices heartbeatServices,
      ResourceManagerClient client, MainThreadExecutor main, RetryBackoff backoff, Events events) {
    this.identity = Objects.requireNonNull(identity, "identity");
    this.numberOfSlots = numberOfSlots;
    this.slotReport = Objects.requireNonNull(slotReport, "slotReport");
    this.resourceManagerAddress = Objects.requireNonNull(resourceManagerAddress, "resourceManagerAddress");
    this.registrationTimeout = Objects.requireNonNull(registrationTimeout, "registrationTimeout");
    this.heartbeatTimeout = heartbeatServices.config().timeout();
    this.client = Objects.requireNonNull(client, "client");
    this.main = Objects.requireNonNull(main, "main");
    this.backoff = Objects.requireNonNull(backoff, "backoff");
    this.events = Objects.requireNonNull(events, "events");
    this.heartbeats = heartbeatServices.createHeartbeatManager(ResourceId.of(identity.resourceId()), this, main);
  }

  /** Where the resource manager's heartbeat requests count: monitors the resource manager while registered. */
  HeartbeatManager<Void, Void> heartbeats() {
    return heartbeats;
  }

  /**
   * Time since the followed resource manager last asked for a heartbeat (a registration's confirmation counts
   * too), on the main thread's clock; empty while there is none. Main thread.
   */
  Optional<Duration> heartbeatAge() {
    if (monitoredResourceManager == null) {
      return Optional.empty();
    }
    long last = heartbeats.getLastHeartbeatFrom(monitoredResourceManager);
    return last <= 0 ? Optional.empty() : Optional.of(Duration.ofNanos(main.nanoTime() - last));
  }

  /**
   * Starts registering.
   *
   * @param advertisedAddress {@code host:port} at which this task executor serves its gateway
   */
  void start(String advertisedAddress) {
    if (state != State.NEW) {
      throw new IllegalStateException("already started");
    }
    this.advertisedAddress = Objects.requireNonNull(advertisedAddress, "advertisedAddress");
    LOG.info("Registering with the resource manager at {}", resourceManagerAddress);
    becomeUnregistered();
    attempt();
  }

  /** The current registration, {@code null} while there is none. Safe to call from any thread. */
  Registration registration() {
    return registration;
  }

  /** The fencing token of the resource manager this task executor obeys, or {@code null}. */
  FencingToken acceptedToken() {
    Registration r = registration;
    return r == null ? null : r.fencingToken();
  }

  /**
   * The resource manager dropped this task executor ({@code DisconnectResourceManager}): forget the
   * registration and register again. Ignored unless registered.
   */
  void droppedByResourceManager(String why) {
    if (state == State.REGISTERED) {
      lose(why);
    }
  }

  /**
   * A call came from the resource manager this task executor follows, restarted with a newer epoch
   * ({@link Fencing#isRestartOf}): forget the registration and register again at once, with the slot
   * report, so the restarted resource manager gets its allocations confirmed without waiting for this
   * task executor's heartbeat timeout. Ignored unless registered with that resource manager at an older
   * epoch (a second such call while re-registering changes nothing).
   */
  void resourceManagerRestarted(FencingToken presented) {
    if (state == State.REGISTERED && Fencing.isRestartOf(acceptedToken(), presented)) {
      lose(presented + " restarted (newer epoch); registering again at once with the slot report");
    } else if (state == State.REGISTERING && !attemptInFlight && Fencing.isRestartOf(lastFollowed, presented)) {
      // Not registered (this task executor timed out its resource manager, or was registering when it
      // restarted): the restarted resource manager is calling, so it is up. Retry now, not after the backoff.
      LOG.info("{} is calling; registering again now instead of after the backoff", presented);
      if (retryTimer != null) {
        retryTimer.cancel();
        retryTimer = null;
      }
      attempt();
    }
  }

  /**
   * Stops for good: no more attempts, timers or heartbeat watching. If registered, says goodbye
   * ({@code DisconnectTaskExecutor} with reason {@code DISCONNECTED} and {@code cause}) so that the
   * resource manager releases this task executor at once instead of after its heartbeat timeout.
   *
   * @return completes when the goodbye was answered, failed or not needed; never fails
   */
  CompletableFuture<Void> close(String cause) {
    if (state == State.CLOSED) {
      return CompletableFuture.completedFuture(null);
    }
    Registration current = registration;
    state = State.CLOSED;
    cancelTimers();
    heartbeats.stop();
    registration = null;
    if (current == null) {
      return CompletableFuture.completedFuture(null);
    }
    LOG.info("Disconnecting from resource manager {} ({})", current.resourceManagerId(), current);
    return disconnect(current.registrationId(), cause).handle((ignored, failure) -> {
      if (failure != null) {
        LOG.warn("Could not tell resource manager {} at {} that this task executor leaves ({}); it will notice"
                + " within its heartbeat timeout", current.resourceManagerId(), resourceManagerAddress,
            RegistrationFailure.of(failure).describe());
      }
      return null;
    });
  }

  // ------------------------------------------------------------------ registration

  private void attempt() {
    retryTimer = null;
    if (state != State.REGISTERING || attemptInFlight) {
      return;
    }
    attemptInFlight = true;
    int attempt = ++attempts;
    LOG.debug("Registration attempt {} with the resource manager at {}", attempt, resourceManagerAddress);
    CompletableFuture<Registration> answer;
    try {
      answer = client.register(identity, advertisedAddress, numberOfSlots, slotReport.get());
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenComplete((response, failure) -> onMain(() -> attemptDone(attempt, response, failure)));
  }

  private void attemptDone(int attempt, Registration response, Throwable failure) {
    attemptInFlight = false;
    if (state != State.REGISTERING) {
      if (failure == null && response != null && (state == State.GAVE_UP || state == State.CLOSED)) {
        // Accepted too late: tell the resource manager at once rather than leave it to time us out.
        disconnect(response.registrationId(), "the task executor stopped before the registration was accepted");
      }
      return;
    }
    if (failure == null) {
      accepted(attempt, response);
    } else {
      failed(attempt, RegistrationFailure.of(failure));
    }
  }

  private void accepted(int attempt, Registration accepted) {
    state = State.REGISTERED;
    registration = accepted;
    cancelTimers();
    backoff.reset();
    lastFollowed = accepted.fencingToken();
    monitoredResourceManager = ResourceId.of(accepted.resourceManagerId());
    heartbeats.monitorTarget(monitoredResourceManager, HeartbeatTarget.noOp());
    LOG.info("Registered with resource manager {} at {} after {} attempt(s): {}", accepted.resourceManagerId(),
        resourceManagerAddress, attempt, accepted);
    lastFailure = null;
    lastLoggedFailure = null;
    events.registered(accepted);
    confirm(accepted);
  }

  /**
   * Tells the resource manager that this task executor has taken its answer (and now obeys its
   * token) by sending the slot table: only then does it offer the slots, so no slot request can
   * arrive before this task executor would accept it. If this call fails, the first heartbeat
   * answer confirms instead.
   */
  private void confirm(Registration accepted) {
    CompletableFuture<Void> sent;
    try {
      sent = client.sendSlotReport(accepted.registrationId(), identity, slotReport.get());
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((ignored, failure) -> {
      if (failure != null) {
        LOG.debug("The slot report confirming registration {} failed ({}); the next heartbeat confirms it",
            accepted.registrationId(), failure.toString());
      }
    });
  }

  private void failed(int attempt, RegistrationFailure failure) {
    lastFailure = failure;
    if (lastAttempt) {
      giveUp();
      return;
    }
    // A resource manager that sheds load says how long to wait: at least that, plus jitter.
    Duration delay = failure.retryAfter() != null ? backoff.nextDelay(failure.retryAfter()) : backoff.nextDelay();
    Duration left = registrationTimeout.minusNanos(main.nanoTime() - unregisteredSince);
    boolean news = lastLoggedFailure == null || lastLoggedFailure.code() != failure.code()
        || !lastLoggedFailure.description().equals(failure.description());
    lastLoggedFailure = failure;
    if (news && failure.isConfigurationProblem()) {
      LOG.error("The resource manager at {} refused registration attempt {}: {}. Retrying anyway (the fix may be"
              + " on its side), backing off up to {}; this task executor stops if it has no registration within {}.",
          resourceManagerAddress, attempt, failure.describe(), Durations.format(RetryBackoff.REGISTRATION_MAX),
          Durations.format(roughly(left)));
    } else if (news && failure.retryAfter() != null) {
      // Load shed with a hint: back-pressure working as designed, not a fault of either side.
      LOG.info("The resource manager at {} asked this task executor to come back later (registration attempt {}):"
              + " {}. Retrying in {}; this task executor stops if it has no registration within {}.",
          resourceManagerAddress, attempt, failure.describe(), Durations.format(roughly(delay)),
          Durations.format(roughly(left)));
    } else if (news) {
      LOG.warn("Registration attempt {} with the resource manager at {} failed: {}. Retrying in {}, backing off"
              + " up to {}; this task executor stops if it has no registration within {}.", attempt,
          resourceManagerAddress, failure.describe(), Durations.format(roughly(delay)),
          Durations.format(RetryBackoff.REGISTRATION_MAX), Durations.format(roughly(left)));
    } else {
      LOG.debug("Registration attempt {} with the resource manager at {} failed: {}; retrying in {}", attempt,
          resourceManagerAddress, failure.describe(), Durations.format(roughly(delay)));
    }
    retryTimer = main.schedule(this::attempt, delay.toNanos());
  }

  private void giveUp() {
    giveUpTimer = null;
    if (state != State.REGISTERING) {
      return;
    }
    if (!lastAttempt && !attemptInFlight) {
      // The cut may have healed since the last attempt: try once more now, before stopping.
      lastAttempt = true;
      if (retryTimer != null) {
        retryTimer.cancel();
        retryTimer = null;
      }
      giveUpTimer = main.schedule(this::giveUp, LAST_ATTEMPT_GRACE.toNanos());
      attempt();
      return;
    }
    state = State.GAVE_UP;
    cancelTimers();
    heartbeats.stop();
    String reason = "no registration with the resource manager at " + resourceManagerAddress + " for "
        + Durations.format(registrationTimeout) + " (" + TaskExecutorOptions.REGISTRATION_TIMEOUT + ") after "
        + attempts + " attempt(s)"
        + (lastFailure != null ? "; the last one failed with " + lastFailure.describe()
            : attemptInFlight ? "; the last one is still unanswered" : "");
    events.gaveUp(reason);
  }

  // ------------------------------------------------------------------ losing the resource manager

  @Override
  public void notifyHeartbeatTimeout(ResourceId resourceId) {
    if (state == State.REGISTERED && resourceId.equals(monitoredResourceManager)) {
      lose("resource manager " + resourceId + " sent no heartbeat request for " + Durations.format(heartbeatTimeout)
          + " (heartbeat.timeout)");
    }
  }

  /** Not expected: a receiving manager makes no heartbeat calls. Treated as a timeout. */
  @Override
  public void notifyTargetUnreachable(ResourceId resourceId) {
    notifyHeartbeatTimeout(resourceId);
  }

  @Override
  public void reportPayload(ResourceId resourceId, Void payload) {}

  @Override
  public Void retrievePayload(ResourceId resourceId) {
    return null;
  }

  @Override
  public void notifyLocalPause(Duration pausedFor) {
    LOG.warn("This task executor did not run for {} (GC pause, SIGSTOP or VM freeze?); the resource manager is not"
        + " charged for the gap", Durations.format(pausedFor));
  }

  private void lose(String why) {
    Registration lost = registration;
    heartbeats.unmonitorTarget(monitoredResourceManager);
    monitoredResourceManager = null;
    registration = null;
    attempts = 0;
    LOG.warn("Lost {}: {}. Registering again with the resource manager at {}; this task executor stops if it has"
        + " no registration within {}.", lost, why, resourceManagerAddress, Durations.format(registrationTimeout));
    becomeUnregistered();
    events.lost(lost, why);
    onMain(this::attempt);
  }

  // ------------------------------------------------------------------ helpers

  private void becomeUnregistered() {
    state = State.REGISTERING;
    lastAttempt = false;
    backoff.reset();
    unregisteredSince = main.nanoTime();
    if (giveUpTimer != null) {
      giveUpTimer.cancel();
    }
    giveUpTimer = main.schedule(this::giveUp, registrationTimeout.toNanos());
  }

  private CompletableFuture<Void> disconnect(String registrationId, String cause) {
    try {
      return client.disconnect(registrationId, identity, cause);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void cancelTimers() {
    if (retryTimer != null) {
      retryTimer.cancel();
      retryTimer = null;
    }
    if (giveUpTimer != null) {
      giveUpTimer.cancel();
      giveUpTimer = null;
    }
  }

  /** Runs {@code task} on the main thread; dropped quietly once the main thread is shut down. */
  private void onMain(Runnable task) {
    try {
      main.execute(task);
    } catch (RejectedExecutionException e) {
      LOG.debug("Main thread is shut down; dropping a registration step");
    }
  }

  /** {@code d} for a log line: whole seconds from 10 s on, whole milliseconds below, never negative. */
  private static Duration roughly(Duration d) {
    if (d.isNegative()) {
      return Duration.ZERO;
    }
    return d.compareTo(Duration.ofSeconds(10)) >= 0 ? d.truncatedTo(ChronoUnit.SECONDS) : d.truncatedTo(ChronoUnit.MILLIS);
  }
}
