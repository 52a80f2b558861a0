package dev.pulse.bench.fanout;

import java.io.IOException;
import java.util.Arrays;

/**
 * {@code OrphanGuard MAIN_CLASS ARGS...}: runs {@code MAIN_CLASS.main(ARGS)} and ends the JVM when stdin
 * reaches end of file, which happens when the benchmark that started this child ends in any way. The
 * child itself (the production {@code ResourceManagerMain}, say) is unchanged.
 */
public final class OrphanGuard {

  private OrphanGuard() {}

  public static void main(String[] args) throws Exception {
    Thread watch = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // lines for the child's own reader are consumed there; this guard only waits for EOF
        }
      } catch (IOException e) {
        // treat as EOF
      }
      Runtime.getRuntime().halt(3);
    }, "orphan-guard");
    watch.setDaemon(true);
    if (!"dev.pulse.bench.fanout.TaskExecutorFarm".equals(args[0]) && !"dev.pulse.bench.fanout.PingDriver".equals(args[0])) {
      watch.start(); // the farm and the driver read stdin themselves and exit on its EOF
    }
    Class.forName(args[0]).getMethod("main", String[].class)
        .invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
  }
}
