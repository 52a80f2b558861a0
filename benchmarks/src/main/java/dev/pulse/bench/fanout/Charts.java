package dev.pulse.bench.fanout;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/** The PNG charts of a run: panels drawn with XChart, side by side in one image. */
final class Charts {

  private static final int WIDTH = 800;
  private static final int HEIGHT = 500;
  private static final Pattern BUCKET = Pattern.compile("\"([^\"]+)\":(\\d+)");

  private Charts() {}

  /** RTT distribution (RM's buckets over the measurement window) and, with a comparison, percentiles. */
  static void fanout(String json, Path png) throws IOException {
    int n = (int) JsonPeek.number(json, "taskExecutors");
    List<Chart<?, ?>> panels = new ArrayList<>();
    int at = json.indexOf("\"rttBuckets\":{");
    List<String> labels = new ArrayList<>();
    List<Double> shares = new ArrayList<>();
    if (at >= 0) {
      String buckets = json.substring(at + 14, json.indexOf('}', at));
      Matcher m = BUCKET.matcher(buckets);
      List<Long> counts = new ArrayList<>();
      while (m.find()) {
        labels.add("<= " + m.group(1));
        counts.add(Long.parseLong(m.group(2)));
      }
      double total = counts.stream().mapToLong(Long::longValue).sum();
      counts.forEach(c -> shares.add(total == 0 ? 0 : 100.0 * c / total));
    }
    CategoryChart rtt = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
        .title("Heartbeat RTT, " + n + " TEs (RM-side histogram, measured window)")
        .xAxisTitle("RTT bucket (upper bound)").yAxisTitle("% of heartbeats").build();
    style(rtt);
    rtt.getStyler().setXAxisLabelRotation(45);
    if (!labels.isEmpty()) {
      rtt.addSeries("Pulse heartbeats", labels, shares);
    }
    panels.add(rtt);
    if (json.contains("\"grpcPing\":{")) {
      String ping = json.substring(json.indexOf("\"grpcPing\":{"));
      String pulse = json.substring(json.indexOf("\"pulse\":{"));
      List<String> quantiles = List.of("p50", "p99", "p999");
      CategoryChart cmp = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
          .title("RTT percentiles at " + n + " endpoints: Pulse vs bare gRPC ping")
          .xAxisTitle("percentile").yAxisTitle("RTT (ms)").build();
      style(cmp);
      cmp.addSeries("Pulse heartbeat", quantiles, quantiles.stream().map(q -> JsonPeek.number(pulse, "rttMillis", q)).toList());
      cmp.addSeries("bare gRPC ping", quantiles, quantiles.stream().map(q -> JsonPeek.number(ping, "rttMillis", q)).toList());
      panels.add(cmp);
    }
    write(panels, png);
  }

  /** Detection latency per fault kind: min, median, max and the theoretical bound. */
  static void detection(Map<String, double[]> latenciesByKind, Map<String, Double> boundByKind, String title, Path png)
      throws IOException {
    List<String> kinds = new ArrayList<>(latenciesByKind.keySet());
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .xAxisTitle("fault").yAxisTitle("detection latency (s)").build();
    style(chart);
    chart.addSeries("min", kinds, kinds.stream().map(k -> stat(latenciesByKind.get(k), 0.0)).toList());
    chart.addSeries("median", kinds, kinds.stream().map(k -> stat(latenciesByKind.get(k), 0.5)).toList());
    chart.addSeries("max", kinds, kinds.stream().map(k -> stat(latenciesByKind.get(k), 1.0)).toList());
    chart.addSeries("bound", kinds, kinds.stream().map(boundByKind::get).toList());
    write(List.of(chart), png);
  }

  private static double stat(double[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[(int) Math.round(q * (sorted.length - 1))];
  }

  private static void style(CategoryChart chart) {
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotGridVerticalLinesVisible(false);
    chart.getStyler().setToolTipsEnabled(false);
  }

  private static void write(List<Chart<?, ?>> panels, Path png) throws IOException {
    BufferedImage image = new BufferedImage(WIDTH * panels.size(), HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    for (int i = 0; i < panels.size(); i++) {
      g.drawImage(BitmapEncoder.getBufferedImage(panels.get(i)), i * WIDTH, 0, null);
    }
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }
}
