package dev.pulse.config;

/**
 * A configuration value was missing, unparseable or out of range. The message is one line that names
 * the key, fit to print as the only output of a process that refuses to start.
 */
public class ConfigException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String key;

  public ConfigException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
  }

  /** The configuration key at fault. */
  public String key() {
    return key;
  }
}
