package dev.pulse.rm.server;

import dev.pulse.rm.ResourceManager;
import dev.pulse.rpc.RpcHealth;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the resource manager's gRPC health ({@code grpc.health.v1.Health}) in step with what
 * {@code GET /healthz} answers: {@code SERVING} while the resource manager runs and its main thread
 * answers a round trip within one period, {@code NOT_SERVING} otherwise, and for good once closed.
 *
 * <p>Why a timer of its own: a stuck main thread cannot report itself; this thread asks it, and a question
 * left unanswered for a period is the answer. Checks once at {@link #start()}, then every period.
 *
 * <p>Thread-safe. Owns one daemon thread from {@link #start()} to {@link #close()}.
 */
final class HealthWatch implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HealthWatch.class);

  /** How often the main thread is asked, and how long it has to answer. */
  static final Duration DEFAULT_PERIOD = Duration.ofSeconds(1);

  private final ResourceManager rm;
  private final RpcHealth health;
  private final Duration period;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "pulse-rm-health");
    t.setDaemon(true);
    return t;
  });
  private volatile Boolean lastServing;

  HealthWatch(ResourceManager rm, RpcHealth health, Duration period) {
    this.rm = rm;
    this.health = health;
    this.period = period;
  }

  /** Checks now, then every period. */
  HealthWatch start() {
    timer.scheduleWithFixedDelay(this::check, 0, period.toNanos(), TimeUnit.NANOSECONDS);
    return this;
  }

  private void check() {
    if (!rm.isRunning()) {
      report(false, "it is not running");
      return;
    }
    try {
      rm.heartbeatStats().get(period.toNanos(), TimeUnit.NANOSECONDS);
      report(true, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      report(false, "its main thread did not answer within " + period.toMillis() + " ms");
    }
  }

  private void report(boolean serving, String why) {
    health.serving(serving);
    if (lastServing != null && lastServing != serving) {
      if (serving) {
        LOG.info("gRPC health: SERVING again");
      } else {
        LOG.warn("gRPC health: NOT_SERVING, {}", why);
      }
    }
    lastServing = serving;
  }

  /** {@code NOT_SERVING} for good, then stops the timer. Idempotent. */
  @Override
  public void close() {
    health.shutdown();
    timer.shutdownNow();
  }
}
