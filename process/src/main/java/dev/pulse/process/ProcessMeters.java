package dev.pulse.process;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.util.Objects;

/**
 * The meters a Pulse server publishes besides its own, on Micrometer's standard binders: JVM memory, garbage
 * collection, threads, class loading and version ({@code jvm_*}), process CPU, uptime and open files
 * ({@code process_*}, {@code system_*}), and {@code pulse_build_info{component, version}}, always 1, which
 * says which Pulse runs. Names in Prometheus form are Micrometer's, so dashboards made for other JVM services
 * work as they are.
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * try (ProcessMeters meters = ProcessMeters.bindTo(registry, "task-executor")) {
 *   ... registry.scrape() ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} removes the garbage-collection listeners the JVM would otherwise keep
 * calling; the meters stay in the registry.
 */
public final class ProcessMeters implements AutoCloseable {

  /** The version label when no jar manifest says it (running from a build's class directories). */
  public static final String UNKNOWN_VERSION = "unknown";

  private final JvmGcMetrics gc;

  private ProcessMeters(JvmGcMetrics gc) {
    this.gc = gc;
  }

  /**
   * Binds every meter to {@code registry}.
   *
   * @param component what runs, as the {@code component} label of {@code pulse_build_info}
   *     ({@code resource-manager}, {@code task-executor})
   */
  public static ProcessMeters bindTo(MeterRegistry registry, String component) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(component, "component");
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmInfoMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    Gauge.builder("pulse.build.info", () -> 1)
        .description("Which Pulse runs: always 1, with the version and the component as labels")
        .tag("component", component)
        .tag("version", version())
        .strongReference(true)
        .register(registry);
    return new ProcessMeters(gc);
  }

  /** Pulse's version, from the manifest of the jar this class was loaded from, or {@value #UNKNOWN_VERSION}. */
  public static String version() {
    String v = ProcessMeters.class.getPackage().getImplementationVersion();
    return v == null || v.isBlank() ? UNKNOWN_VERSION : v;
  }

  @Override
  public void close() {
    gc.close();
  }
}
