package dev.pulse.rm.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.config.Settings;
import dev.pulse.rm.store.MemoryRegistryStore;
import dev.pulse.rm.store.Mutation;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.StoredState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/resource-manager backup}: calls the running resource manager's REST API. */
class BackupCommandTest {

  @TempDir
  Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Test
  void backup_toAFile_printsWhereTheRunningResourceManagerWroteIt() {
    try (ResourceManagerServer server = server(new FileStore())) {
      Path target = dir.resolve("copy.db");

      int code = run("--to", target.toString(), "-Drest.port=" + server.restAddress().getPort());

      assertThat(code).as(err.toString()).isZero();
      assertThat(out.toString()).contains(target.toString());
      assertThat(target).hasContent("backup");
    }
  }

  @Test
  void backup_ofAMemoryStore_exits1WithTheAnswer() {
    try (ResourceManagerServer server = server(new MemoryRegistryStore())) {
      int code = run("-Drest.port=" + server.restAddress().getPort());

      assertThat(code).isEqualTo(1);
      assertThat(err.toString()).contains("409").contains("in memory");
    }
  }

  @Test
  void backup_badArgument_exits2WithUsage() {
    assertThat(run("--what")).isEqualTo(2);
    assertThat(err.toString()).contains(BackupCommand.USAGE);
  }

  private int run(String... args) {
    return BackupCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private static ResourceManagerServer server(RegistryStore store) {
    return ResourceManagerServer.builder()
        .settings(Settings.of("resourcemanager.rpc.port", "0", "rest.port", "0"))
        .store(store)
        .build()
        .start();
  }

  /** Memory, with a backup that writes a marker file. */
  private static final class FileStore implements RegistryStore {
    private final MemoryRegistryStore inner = new MemoryRegistryStore();

    @Override
    public StoredState open(String proposedResourceManagerId) {
      return inner.open(proposedResourceManagerId);
    }

    @Override
    public CompletableFuture<Void> apply(Mutation mutation) {
      return inner.apply(mutation);
    }

    @Override
    public CompletableFuture<Path> backup(Path file) {
      try {
        return CompletableFuture.completedFuture(Files.writeString(file, "backup"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {}
  }
}
