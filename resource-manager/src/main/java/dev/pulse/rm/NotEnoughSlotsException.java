package dev.pulse.rm;

/** An allocation asked for more slots than are free; nothing was allocated. */
public class NotEnoughSlotsException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  private final int requested;
  private final int free;

  public NotEnoughSlotsException(int requested, int free) {
    super("asked for " + requested + " slot(s), " + free + " free");
    this.requested = requested;
    this.free = free;
  }

  public int requested() {
    return requested;
  }

  public int free() {
    return free;
  }
}
