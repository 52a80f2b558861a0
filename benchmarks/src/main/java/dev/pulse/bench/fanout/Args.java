package dev.pulse.bench.fanout;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** {@code --key value} and {@code --flag} options; {@link #duration} reads {@code 500ms}, {@code 30s}, {@code 10m}. */
final class Args {

  private final Map<String, String> values = new HashMap<>();

  static Args parse(String[] args) {
    Args a = new Args();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + args[i]);
      }
      String key = args[i].substring(2);
      int eq = key.indexOf('=');
      if (eq > 0) {
        a.values.put(key.substring(0, eq), key.substring(eq + 1));
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        a.values.put(key, args[++i]);
      } else {
        a.values.put(key, "true");
      }
    }
    return a;
  }

  String get(String key, String fallback) {
    return values.getOrDefault(key, fallback);
  }

  int getInt(String key, int fallback) {
    return values.containsKey(key) ? Integer.parseInt(values.get(key)) : fallback;
  }

  boolean flag(String key) {
    return Boolean.parseBoolean(values.getOrDefault(key, "false"));
  }

  Duration duration(String key, String fallback) {
    return duration(get(key, fallback));
  }

  static Duration duration(String text) {
    String t = text.trim().toLowerCase();
    if (t.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
    }
    long n = Long.parseLong(t.substring(0, t.length() - 1));
    switch (t.charAt(t.length() - 1)) {
      case 's': return Duration.ofSeconds(n);
      case 'm': return Duration.ofMinutes(n);
      default: throw new IllegalArgumentException("not a duration (like 500ms, 30s, 10m): " + text);
    }
  }

  /** {@code 1s}, {@code 500ms}, {@code 10m}: the form {@link #duration} reads. */
  static String format(Duration d) {
    if (d.toMillis() % 60_000 == 0 && d.toMinutes() > 0) {
      return d.toMinutes() + "m";
    }
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }
}
