package dev.pulse.rm.store;

/** The store cannot be opened, read or written; the message names the directory and the cause. */
public final class StoreException extends RuntimeException {

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreException(String message) {
    super(message);
  }
}
