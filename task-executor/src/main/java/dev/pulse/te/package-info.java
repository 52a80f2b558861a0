/**
 * The task executor: slot table, connection to the resource manager with retrying registration,
 * and the {@code bin/task-executor} process. Not built yet: this module is the place for it.
 */
package dev.pulse.te;
