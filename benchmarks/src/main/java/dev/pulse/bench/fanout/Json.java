package dev.pulse.bench.fanout;

import java.util.Locale;

/** The little JSON the results need: numbers with three decimals and quoted strings. */
final class Json {

  private Json() {}

  static String num(double value) {
    return Double.isFinite(value) ? String.format(Locale.ROOT, "%.3f", value) : "null";
  }

  static String str(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
