package dev.pulse.rm;

/**
 * Why the resource manager refused a registration with {@link OverloadedException}: the label of
 * {@code pulse_registrations_refused_total{reason}} and of {@link ResourceManager#registrationsRefused}.
 * Bad input ({@link RegistrationRejectedException}) is not a refusal: it is not load shed.
 */
public enum RegistrationRefusal {
  /** {@code resourcemanager.registration.max-in-progress} registrations were already in progress. */
  IN_PROGRESS,
  /** The resource manager was behind on its own work: its tick lag or an event loop's lag was above its limit. */
  BEHIND,
  /** The {@link TaskExecutorAdmission} refused a new task executor (the server: too few open files left). */
  ADMISSION
}
