package dev.pulse.rm.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL at random moments (SPEC 9, issue 11 test 1): a child JVM ({@link StoreCrashChild}) writes random
 * mutations to the store and prints an acknowledgement after each future completed; this test kills it
 * when a random number of acknowledgements has been printed, then reopens the same directory and checks:
 * the database passes {@code PRAGMA integrity_check}; its contents equal exactly the state after some
 * prefix of the child's writes that includes every acknowledged one (so nothing acknowledged is lost and
 * no batch is half applied); the epoch grew; and the native library the child unpacked is not in its
 * temp directory. Each round continues on the state the last one left.
 */
class SqliteRegistryStoreCrashTest {

  private static final long SEED = Long.getLong("pulse.test.seed", 20261130L);
  private static final int ROUNDS = 50;
  private static final long ROUND_BOUND_SECONDS = 30;

  @TempDir
  Path work;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void sigkill_atRandomMoments_losesNothingAcknowledged_andLeavesNoHalfBatch() throws Exception {
    Random random = new Random(SEED);
    Path dir = work.resolve("store");
    StoreContents model = StoreContents.empty();
    long epoch = 0;
    for (int round = 0; round < ROUNDS; round++) {
      long childSeed = random.nextLong();
      int killAfter = random.nextInt(400) - 40; // below 0: right after the child opened the store
      String context = "seed " + SEED + ", round " + round + ", child seed " + childSeed + ", kill after "
          + killAfter + " acks";
      Path tmp = Files.createDirectories(work.resolve("tmp-" + round));
      Crash crash = runAndKill(dir, tmp, childSeed, killAfter, round == 0, context);

      assertThat(crash.epoch()).as(context).isGreaterThan(epoch);
      assertThat(crash.lastEventSeq()).as(context).isEqualTo(model.lastEventSeq());
      try (Stream<Path> left = Files.list(tmp)) {
        assertThat(left.map(Path::getFileName).map(Path::toString))
            .as(context + ": files the child left in its temp directory").noneMatch(n -> n.startsWith("sqlite-"));
      }
      try (Stream<Path> libraries = Files.list(dir).filter(f -> f.getFileName().toString().startsWith("sqlite-"))) {
        assertThat(libraries.count()).as(context + ": native libraries of killed children kept in the store directory")
            .isLessThanOrEqualTo(2); // the last child's library and its .lck; earlier ones are deleted on open
      }
      assertThat(integrityCheck(dir.resolve(SqliteTables.DATABASE_FILE))).as(context).isEqualTo("ok");

      try (SqliteRegistryStore store = SqliteRegistryStore.lock(dir, StoreConfig.Sync.NORMAL)) {
        StoredState state = store.open("rm-other");
        assertThat(state.epoch()).as(context).isGreaterThan(crash.epoch());
        assertThat(state.resourceManagerId()).as(context).isEqualTo("rm-crash");
        model = prefixMatching(StoreContents.of(state), model, childSeed, crash.acked(), context);
        epoch = state.epoch();
      }
    }
  }

  /** The state after the child's first k writes, k >= acked, that equals {@code stored}; fails if none. */
  private static StoreContents prefixMatching(StoreContents stored, StoreContents before, long childSeed,
      int acked, String context) {
    RandomMutations mutations = new RandomMutations(childSeed, before.lastEventSeq());
    StoreContents expected = before;
    for (int k = 0; k <= StoreCrashChild.MUTATIONS; k++) {
      if (k >= acked && expected.equals(stored)) {
        return expected;
      }
      expected = expected.apply(mutations.next(), MemoryRegistryStore.EVENT_TAIL);
    }
    return fail("%s: the store after the kill is no prefix of the child's writes that holds all %d acknowledged"
        + " ones (stored %s)", context, acked, stored);
  }

  private static Crash runAndKill(Path dir, Path tmp, long childSeed, int killAfter, boolean checkLock,
      String context) throws Exception {
    Path stderr = tmp.getParent().resolve(tmp.getFileName() + ".stderr");
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx64m", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Djava.io.tmpdir=" + tmp,
        "-cp", System.getProperty("java.class.path"), StoreCrashChild.class.getName(), dir.toString(),
        Long.toString(childSeed))
        .redirectError(stderr.toFile())
        .start();
    // A bound, not a pause: a child that hangs is killed, its stdout ends and the round fails below.
    CompletableFuture.delayedExecutor(ROUND_BOUND_SECONDS, TimeUnit.SECONDS).execute(child::destroyForcibly);
    long epoch = -1;
    long lastEventSeq = -1;
    int acked = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("EPOCH ")) {
          String[] parts = line.split(" ");
          epoch = Long.parseLong(parts[1]);
          lastEventSeq = Long.parseLong(parts[2]);
          if (checkLock) {
            assertThatThrownBy(() -> SqliteRegistryStore.lock(dir, StoreConfig.Sync.NORMAL))
                .as(context).isInstanceOf(StoreException.class)
                .hasMessageContaining("in use by another resource manager (pid " + child.pid() + ")");
          }
        } else if (line.startsWith("ACK ")) {
          acked = Integer.parseInt(line.substring(4));
        }
        if (epoch >= 0 && (acked >= killAfter || line.equals("DONE"))) {
          break;
        }
      }
    } finally {
      child.destroyForcibly(); // SIGKILL
      assertThat(child.waitFor(ROUND_BOUND_SECONDS, TimeUnit.SECONDS)).as(context).isTrue();
    }
    if (epoch < 0) {
      fail("%s: the child ended without opening the store; its stderr:%n%s", context,
          Files.readString(stderr));
    }
    return new Crash(epoch, lastEventSeq, acked);
  }

  private static String integrityCheck(Path file) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        ResultSet result = connection.createStatement().executeQuery("PRAGMA integrity_check")) {
      StringBuilder text = new StringBuilder();
      while (result.next()) {
        text.append(text.length() == 0 ? "" : "; ").append(result.getString(1));
      }
      return text.toString();
    }
  }

  private record Crash(long epoch, long lastEventSeq, int acked) {}
}
