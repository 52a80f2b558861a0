package dev.pulse.rm.metrics;

/** Reads values out of a Prometheus text scrape, for tests. */
public final class PrometheusText {

  private PrometheusText() {}

  /**
   * The value of one series, named with its labels exactly as printed ({@code pulse_x_total{kind="A"}}).
   *
   * @throws AssertionError if the scrape has no such series
   */
  public static double value(String scrape, String series) {
    return scrape.lines()
        .filter(line -> line.startsWith(series + " "))
        .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no series " + series + " in:\n" + scrape));
  }
}
