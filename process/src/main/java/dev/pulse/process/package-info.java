/**
 * What makes a Pulse component a process, shared by the resource manager's and the task executor's
 * {@code main}: the command line ({@code -c FILE}, {@code -Dkey=value}, {@code --help}, {@code --version}),
 * the configuration's sources and their order ({@link dev.pulse.process.ConfigSources}: the YAML file,
 * {@code conf/config.yaml} by default, the environment, {@code -D}), each checked against every declared key,
 * the one start-up line on stdout, exit codes (0 after SIGTERM/SIGINT, 1 for a bad setting or a port
 * that cannot be bound, 2 for bad arguments) and the shutdown hook. A library user who embeds the
 * servers does not need this module.
 */
package dev.pulse.process;
