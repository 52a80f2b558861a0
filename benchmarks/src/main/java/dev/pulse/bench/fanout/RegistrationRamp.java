package dev.pulse.bench.fanout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The registration storm as the resource manager saw it: every {@link #PERIOD_MILLIS} ms, the task executors it
 * holds registered ({@code pulse_task_executors_registered}) and the registrations it refused so far
 * ({@code pulse_registrations_refused_total}, all reasons), with the load average, from its {@code /metrics}.
 * Samples are taken on a thread of its own from {@link #start} until {@link #close}; times are seconds since the
 * start. Thread-safe.
 */
final class RegistrationRamp implements AutoCloseable {

  static final long PERIOD_MILLIS = 2_000;

  private record Sample(double seconds, double registered, double refused, String load) {}

  private final long started = System.nanoTime();
  private final List<Sample> samples = new ArrayList<>();
  private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "registration-ramp");
    t.setDaemon(true);
    return t;
  });

  private RegistrationRamp(RmProcess rm) {
    poller.scheduleWithFixedDelay(() -> sample(rm), 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Starts sampling {@code rm} now. */
  static RegistrationRamp start(RmProcess rm) {
    return new RegistrationRamp(rm);
  }

  private void sample(RmProcess rm) {
    try {
      Map<String, Double> m = rm.metrics();
      double refused = FanoutBenchmark.sumPrefix(m, "pulse_registrations_refused_total");
      Sample s = new Sample((System.nanoTime() - started) / 1e9,
          m.getOrDefault("pulse_task_executors_registered", 0.0), refused, Load.average());
      synchronized (samples) {
        samples.add(s);
      }
    } catch (Exception e) {
      // a missed sample; the next one follows
    }
  }

  /**
   * Seconds from the start until the resource manager first held at least {@code fraction} of {@code n} task
   * executors, or -1 if it never did while sampled.
   */
  double secondsUntil(double fraction, int n) {
    synchronized (samples) {
      for (Sample s : samples) {
        if (s.registered() >= Math.ceil(fraction * n)) {
          return s.seconds();
        }
      }
    }
    return -1;
  }

  /** {@code [[seconds, registered, refused so far, "load average"], ...]}. */
  String toJson() {
    StringBuilder sb = new StringBuilder("[");
    synchronized (samples) {
      for (Sample s : samples) {
        sb.append(sb.length() > 1 ? "," : "").append('[').append(Json.num(s.seconds())).append(',')
            .append((long) s.registered()).append(',').append((long) s.refused()).append(',')
            .append(Json.str(s.load())).append(']');
      }
    }
    return sb.append(']').toString();
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
