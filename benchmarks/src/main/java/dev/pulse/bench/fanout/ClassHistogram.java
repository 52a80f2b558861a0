package dev.pulse.bench.fanout;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A live-object class histogram of a JVM ({@code jcmd <pid> GC.class_histogram}, which runs a full GC first)
 * and what grew between two of them: how the resource manager's heap per task executor is made up.
 * Immutable.
 */
final class ClassHistogram {

  /** {@code   1:   12345   678901  java.lang.String (java.base@17)}: rank, instances, bytes, class name. */
  private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

  private final Map<String, long[]> byClass;

  private ClassHistogram(Map<String, long[]> byClass) {
    this.byClass = byClass;
  }

  /** Parses {@code GC.class_histogram}'s output; lines that are not rows are skipped. */
  /** This JVM's histogram of live objects ({@code jcmd <pid> GC.class_histogram}, which runs a full GC first). */
  static ClassHistogram ofThisJvm() throws java.io.IOException, InterruptedException {
    Process p = new ProcessBuilder("jcmd", Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
        .redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    p.waitFor();
    return parse(text);
  }

  static ClassHistogram parse(String text) {
    Map<String, long[]> rows = new HashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        rows.merge(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))},
            (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
      }
    }
    return new ClassHistogram(rows);
  }

  /** Bytes of all live objects. */
  long totalBytes() {
    return byClass.values().stream().mapToLong(v -> v[1]).sum();
  }

  /** Whether the histogram could not be read (no rows). */
  boolean isEmpty() {
    return byClass.isEmpty();
  }

  /**
   * The {@code top} classes that grew most in bytes from {@code before} to this one, as a JSON array of
   * {@code {class, instancesPerTe, bytesPerTe}}, divided by {@code perTe}; and the total growth per TE.
   */
  String growthJson(ClassHistogram before, long perTe, int top) {
    List<Map.Entry<String, long[]>> grown = byClass.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), minus(e.getValue(), before.byClass.get(e.getKey()))))
        .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[1]).reversed())
        .toList();
    long total = grown.stream().mapToLong(e -> e.getValue()[1]).sum();
    StringBuilder json = new StringBuilder("{\"bytesPerTe\":").append(total / perTe).append(",\"top\":[");
    for (int i = 0; i < Math.min(top, grown.size()); i++) {
      long[] v = grown.get(i).getValue();
      json.append(i > 0 ? "," : "").append("{\"class\":").append(Json.str(grown.get(i).getKey()))
          .append(",\"instancesPerTe\":").append(Json.num((double) v[0] / perTe))
          .append(",\"bytesPerTe\":").append(Json.num((double) v[1] / perTe)).append('}');
    }
    return json.append("]}").toString();
  }

  private static long[] minus(long[] after, long[] before) {
    return before == null ? after : new long[] {after[0] - before[0], after[1] - before[1]};
  }
}
