package dev.pulse.rm.store;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * The {@code resourcemanager.store.*} settings, read and checked before anything opens (SPEC 9):
 * {@code type} ({@code memory} or {@code sqlite}), {@code dir} (the store directory) and {@code sync}
 * ({@code normal}: survives a process crash; {@code full}: also a power loss).
 *
 * <p>Defaults: the standalone process stores in SQLite, in {@value #DEFAULT_DIR} below the directory it
 * runs in unless {@code resourcemanager.store.dir} says otherwise; an embedded resource manager in
 * memory, unless a directory is given.
 *
 * @param dir the store directory; {@code null} for {@code memory}
 */
public record StoreConfig(Type type, Path dir, Sync sync) {

  public static final String TYPE = "resourcemanager.store.type";
  public static final String DIR = "resourcemanager.store.dir";
  public static final String SYNC = "resourcemanager.store.sync";
  /** The standalone process's store directory when none is set, relative to its working directory. */
  public static final String DEFAULT_DIR = "data/resource-manager";

  /** Where state is kept. */
  public enum Type { MEMORY, SQLITE }

  /** How hard each commit is pushed to the disk. */
  public enum Sync { NORMAL, FULL }

  public StoreConfig {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(sync, "sync");
    if (type == Type.SQLITE && dir == null) {
      throw new ConfigException(DIR, "is required when " + TYPE + " is sqlite: the directory the store lives in");
    }
  }

  /** In memory: nothing survives the process. */
  public static StoreConfig memory() {
    return new StoreConfig(Type.MEMORY, null, Sync.NORMAL);
  }

  /**
   * @param standalone whether this is the resource manager process (durable by default) rather than an
   *     embedded one (in memory unless {@code resourcemanager.store.dir} is set)
   * @throws ConfigException naming the key of a bad value
   */
  public static StoreConfig from(Settings settings, boolean standalone) {
    Path dir = settings.path(DIR);
    Type defaultType = standalone || dir != null ? Type.SQLITE : Type.MEMORY;
    if (dir == null && standalone) {
      dir = Path.of(DEFAULT_DIR);
    }
    Type type = parse(TYPE, settings.string(TYPE, defaultType.name()), Type.class);
    Sync sync = parse(SYNC, settings.string(SYNC, Sync.NORMAL.name()), Sync.class);
    return new StoreConfig(type, type == Type.MEMORY ? null : dir, sync);
  }

  /** Opens the store this names (for SQLite: takes the directory's lock). */
  public RegistryStore open() {
    if (type == Type.MEMORY) {
      return new MemoryRegistryStore();
    }
    return SqliteRegistryStore.lock(dir, sync);
  }

  private static <E extends Enum<E>> E parse(String key, String value, Class<E> type) {
    try {
      return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      StringBuilder allowed = new StringBuilder();
      for (E constant : type.getEnumConstants()) {
        allowed.append(allowed.length() == 0 ? "" : " or ").append(constant.name().toLowerCase(Locale.ROOT));
      }
      throw new ConfigException(key, "'" + value + "' is not " + allowed);
    }
  }
}
