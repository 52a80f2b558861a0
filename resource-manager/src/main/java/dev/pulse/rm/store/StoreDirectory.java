package dev.pulse.rm.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store directory owned by one resource manager: created if missing, locked exclusively (a
 * {@value #LOCK_FILE} file holding the owner's pid, locked until {@link #close}) and the place where the
 * SQLite driver unpacks its native library, so that a killed process leaves nothing in the system temp
 * directory.
 *
 * <p>The native library: sqlite-jdbc unpacks it once per JVM into {@code org.sqlite.tmpdir} (else
 * {@code java.io.tmpdir}) and deletes it only on a normal exit. The first store a JVM opens therefore
 * points {@code org.sqlite.tmpdir} at its directory (unless the property was set by the user), and a
 * store that owns its directory deletes the copies earlier, killed owners left there.
 *
 * <p>Thread-safe for {@link #close}; created by one thread.
 */
final class StoreDirectory implements AutoCloseable {

  static final String LOCK_FILE = "LOCK";
  static final String NATIVE_TMPDIR_PROPERTY = "org.sqlite.tmpdir";

  private static final Logger LOG = LoggerFactory.getLogger(StoreDirectory.class);

  /** Where this JVM's driver unpacked its library; guarded by the class. */
  private static Path nativeLibraryDir;

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private StoreDirectory(Path dir, FileChannel lockChannel, FileLock lock) {
    this.dir = dir;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Creates {@code dir} if missing and takes its lock.
   *
   * @throws StoreException if the directory cannot be created or another resource manager holds it
   */
  static StoreDirectory lock(Path dir) {
    Path absolute = dir.toAbsolutePath().normalize();
    try {
      Files.createDirectories(absolute);
    } catch (IOException | RuntimeException e) {
      throw new StoreException("cannot create the store directory " + absolute + ": " + e, e);
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(absolute.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StoreException("cannot open the lock file of the store directory " + absolute + ": " + e, e);
    }
    FileLock lock = null;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      // held by this JVM: another store object still open on the same directory
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StoreException("cannot lock the store directory " + absolute + ": " + e, e);
    }
    if (lock == null) {
      String owner = readOwner(channel);
      closeQuietly(channel);
      throw new StoreException("store directory " + absolute + " is in use by another resource manager"
          + (owner.isEmpty() ? "" : " (pid " + owner + ")"));
    }
    try {
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
      channel.force(false);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StoreException("cannot write the lock file of the store directory " + absolute + ": " + e, e);
    }
    StoreDirectory directory = new StoreDirectory(absolute, channel, lock);
    directory.prepareNativeLibrary();
    return directory;
  }

  Path path() {
    return dir;
  }

  Path resolve(String name) {
    return dir.resolve(name);
  }

  /** Releases the lock. Idempotent. */
  @Override
  public void close() {
    try {
      if (lock.isValid()) {
        lock.release();
      }
    } catch (IOException e) {
      LOG.warn("Releasing the lock of the store directory {} failed", dir, e);
    }
    closeQuietly(lockChannel);
  }

  private void prepareNativeLibrary() {
    synchronized (StoreDirectory.class) {
      boolean notLoadedYet = nativeLibraryDir == null;
      if (notLoadedYet) {
        if (System.getProperty(NATIVE_TMPDIR_PROPERTY) == null) {
          System.setProperty(NATIVE_TMPDIR_PROPERTY, dir.toString());
        }
        nativeLibraryDir = Path.of(System.getProperty(NATIVE_TMPDIR_PROPERTY)).toAbsolutePath().normalize();
        if (!nativeLibraryDir.equals(dir)) {
          LOG.info("The SQLite native library unpacks into {} ({} is set)", nativeLibraryDir, NATIVE_TMPDIR_PROPERTY);
        }
      }
      // The library this JVM loaded may live here (a store reopened in the same process): keep it then.
      if (notLoadedYet || !nativeLibraryDir.equals(dir)) {
        deleteStaleNativeLibraries();
      }
    }
  }

  /** Copies unpacked by earlier owners of this directory that were killed (their exit hook never ran). */
  private void deleteStaleNativeLibraries() {
    try (DirectoryStream<Path> stale = Files.newDirectoryStream(dir, "sqlite-*")) {
      for (Path file : stale) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      LOG.warn("Deleting stale SQLite native libraries in {} failed", dir, e);
    }
  }

  private static String readOwner(FileChannel channel) {
    try {
      ByteBuffer buffer = ByteBuffer.allocate(32);
      channel.read(buffer, 0);
      return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      return "";
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.debug("Closing a lock file failed", e);
    }
  }
}
