package dev.pulse.bench.fanout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and resident memory of a process, from Linux's {@code /proc/<pid>/stat} and {@code status}. */
final class ProcStat {

  /** Clock ticks per second of {@code utime}/{@code stime}; 100 on every Linux we run on (USER_HZ). */
  private static final long TICKS_PER_SECOND = 100;

  private ProcStat() {}

  /** User plus system CPU time the process has used, in nanoseconds. */
  static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Fields after the command name, which is in parentheses and may hold spaces.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
      return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read CPU time of process " + pid, e);
    }
  }

  /** Resident set size in bytes ({@code VmRSS}). */
  static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
      return -1;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read memory of process " + pid, e);
    }
  }

  /** Open file descriptors of the process. */
  static int openFds(long pid) {
    try (var list = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return (int) list.count();
    } catch (IOException e) {
      return -1;
    }
  }
}
