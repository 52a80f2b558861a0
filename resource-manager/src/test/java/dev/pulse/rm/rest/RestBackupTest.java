package dev.pulse.rm.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.rm.LiveResourceManager;
import dev.pulse.rm.metrics.ResourceManagerMetrics;
import dev.pulse.rm.rest.Http.Reply;
import dev.pulse.rm.store.MemoryRegistryStore;
import dev.pulse.rm.store.Mutation;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.StoredState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /v1/admin/backup}: where the copy goes, and the refusals. */
class RestBackupTest {

  @TempDir
  Path dir;

  private LiveResourceManager live;
  private RestServer server;

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    if (live != null) {
      live.close();
    }
  }

  @Test
  void backup_withoutPath_writesIntoTheBackupDirectory_namedByEpochAndTime() throws Exception {
    Http http = start(new CopyingStore(), dir.resolve("store").resolve("backups"));

    Reply reply = http.post("/v1/admin/backup", "");

    assertThat(reply.status()).isEqualTo(200);
    Path written = Path.of(reply.json().get("path").asText());
    assertThat(written).isEqualTo(dir.resolve("store/backups/registry-1-20270115T080000Z.db"));
    assertThat(Files.readString(written)).isEqualTo("copy of epoch 1");
  }

  @Test
  void backup_toAnAbsolutePath_writesThere() throws Exception {
    Http http = start(new CopyingStore(), null);
    Path target = dir.resolve("disaster-recovery.db");

    Reply reply = http.post("/v1/admin/backup", "{\"path\": \"" + target + "\"}");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().get("path").asText()).isEqualTo(target.toString());
    assertThat(target).exists();
  }

  @Test
  void backup_badPaths_400_andNothingWritten() throws Exception {
    Http http = start(new CopyingStore(), null);
    Files.writeString(dir.resolve("taken.db"), "x");

    assertThat(http.post("/v1/admin/backup", "{\"path\": \"relative.db\"}").status()).isEqualTo(400);
    assertThat(http.post("/v1/admin/backup", "{\"path\": \"" + dir.resolve("taken.db") + "\"}").json().get("error")
        .asText()).contains("already exists");
    assertThat(http.post("/v1/admin/backup", "{\"path\": \"" + dir.resolve("no/such/dir.db") + "\"}").status())
        .isEqualTo(400);
    assertThat(http.post("/v1/admin/backup", "{\"file\": \"/x.db\"}").status()).isEqualTo(400);
    assertThat(Files.readString(dir.resolve("taken.db"))).isEqualTo("x");
  }

  @Test
  void backup_ofTheMemoryStore_409() throws Exception {
    Http http = start(new MemoryRegistryStore(), null);

    Reply noDirectory = http.post("/v1/admin/backup", "");
    Reply memory = http.post("/v1/admin/backup", "{\"path\": \"" + dir.resolve("b.db") + "\"}");

    assertThat(noDirectory.status()).isEqualTo(409);
    assertThat(noDirectory.json().get("error").asText()).contains("in memory");
    assertThat(memory.status()).isEqualTo(409);
    assertThat(memory.json().get("error").asText()).contains("sqlite");
  }

  private Http start(RegistryStore store, Path backupDirectory) throws Exception {
    live = new LiveResourceManager(b -> b.store(store));
    ResourceManagerMetrics metrics = new ResourceManagerMetrics();
    RestServer.Builder b = RestServer.builder(live.start(), metrics)
        .wallClock(Clock.fixed(Instant.parse("2027-01-15T08:00:00Z"), ZoneOffset.UTC));
    if (backupDirectory != null) {
      b.backupDirectory(backupDirectory);
    }
    server = b.build().start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return new Http(server.address());
  }

  /** A memory store whose backup writes a small file: enough to see where the REST API asks for it. */
  private static final class CopyingStore implements RegistryStore {
    private final MemoryRegistryStore inner = new MemoryRegistryStore();
    private long epoch;

    @Override
    public StoredState open(String proposedResourceManagerId) {
      StoredState state = inner.open(proposedResourceManagerId);
      epoch = state.epoch();
      return state;
    }

    @Override
    public CompletableFuture<Void> apply(Mutation mutation) {
      return inner.apply(mutation);
    }

    @Override
    public CompletableFuture<Path> backup(Path file) {
      try {
        Files.writeString(file, "copy of epoch " + epoch);
        return CompletableFuture.completedFuture(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {}
  }
}
