package dev.pulse.bench.fanout;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a number from this package's own flat JSON by key path; enough for the JSON we write ourselves. */
final class JsonPeek {

  private JsonPeek() {}

  static double number(String json, String... path) {
    int from = 0;
    for (int i = 0; i < path.length - 1; i++) {
      from = json.indexOf("\"" + path[i] + "\":", from);
      if (from < 0) {
        return Double.NaN;
      }
    }
    Matcher m = Pattern.compile("\"" + Pattern.quote(path[path.length - 1]) + "\":(-?[0-9.eE+-]+|null)").matcher(json);
    if (!m.find(from) || m.group(1).equals("null")) {
      return Double.NaN;
    }
    return Double.parseDouble(m.group(1));
  }
}
