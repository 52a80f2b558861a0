package dev.pulse.rpc;

import dev.pulse.config.ConfigException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Validated, immutable settings of a process's RPC transport: security, message size limit and
 * keepalive. One instance configures both the channels a process opens and the servers it runs.
 *
 * @param security token and TLS settings
 * @param maxInboundMessageBytes largest message, in bytes, a server accepts and a channel receives
 *     ({@code rpc.max-message-size}, default 4 MiB, between 1 MiB and 64 MiB). The lower bound keeps
 *     every legal Pulse message (the largest is a full slot report, about 300 KB) within the limit.
 * @param keepAlive keepalive pings of channels and servers; not a configuration key, see
 *     {@link KeepAlivePolicy} for why the default is what it is
 */
public record RpcConfig(RpcSecurityConfig security, int maxInboundMessageBytes, KeepAlivePolicy keepAlive) {

  public static final String MAX_MESSAGE_SIZE = "rpc.max-message-size";

  public static final int DEFAULT_MAX_INBOUND_MESSAGE_BYTES = 4 * 1024 * 1024;
  public static final int MIN_MAX_INBOUND_MESSAGE_BYTES = 1024 * 1024;
  public static final int MAX_MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

  /** No token, no TLS, 4 MiB messages, the default keepalive. */
  public static final RpcConfig DEFAULTS =
      new RpcConfig(RpcSecurityConfig.NONE, DEFAULT_MAX_INBOUND_MESSAGE_BYTES, KeepAlivePolicy.DEFAULT);

  private static final Pattern SIZE =
      Pattern.compile("\\s*(\\d{1,12})\\s*(b|bytes?|k|kb|kib|m|mb|mib)?\\s*");

  /**
   * @throws ConfigException naming {@code rpc.max-message-size} if it is out of range
   */
  public RpcConfig {
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(keepAlive, "keepAlive");
    if (maxInboundMessageBytes < MIN_MAX_INBOUND_MESSAGE_BYTES || maxInboundMessageBytes > MAX_MAX_INBOUND_MESSAGE_BYTES) {
      throw new ConfigException(MAX_MESSAGE_SIZE, "must be between 1 mb and 64 mb, was " + maxInboundMessageBytes
          + " bytes");
    }
  }

  /** The defaults with {@code security}. */
  public static RpcConfig of(RpcSecurityConfig security) {
    return new RpcConfig(security, DEFAULT_MAX_INBOUND_MESSAGE_BYTES, KeepAlivePolicy.DEFAULT);
  }

  public RpcConfig withMaxInboundMessageBytes(int bytes) {
    return new RpcConfig(security, bytes, keepAlive);
  }

  /**
   * Reads {@code rpc.max-message-size} and the {@code security.*} keys from flat string settings;
   * absent keys take their defaults, other keys are ignored. Sizes are a number of bytes, optionally
   * followed by {@code kb} or {@code mb} (binary units: {@code 4 mb} is 4 MiB).
   *
   * @throws ConfigException naming the first key whose value is malformed or out of range
   */
  public static RpcConfig fromMap(Map<String, String> settings) {
    RpcSecurityConfig security = RpcSecurityConfig.fromMap(settings);
    int maxBytes = settings.containsKey(MAX_MESSAGE_SIZE)
        ? parseBytes(MAX_MESSAGE_SIZE, settings.get(MAX_MESSAGE_SIZE)) : DEFAULT_MAX_INBOUND_MESSAGE_BYTES;
    return new RpcConfig(security, maxBytes, KeepAlivePolicy.DEFAULT);
  }

  static int parseBytes(String key, String value) {
    Matcher m = SIZE.matcher(value == null ? "" : value.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new ConfigException(key, "'" + value + "' is not a size; use e.g. '4 mb', '512 kb' or a number of bytes");
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    long bytes = switch (unit.charAt(0)) {
      case 'k' -> amount * 1024;
      case 'm' -> amount * 1024 * 1024;
      default -> amount;
    };
    if (bytes > Integer.MAX_VALUE) {
      throw new ConfigException(key, "'" + value + "' is too large");
    }
    return (int) bytes;
  }

  @Override
  public String toString() {
    return security + ", " + MAX_MESSAGE_SIZE + "=" + maxInboundMessageBytes + " bytes";
  }
}
