package dev.pulse.te;

/**
 * A slot request that the slot table refuses: the slot holds another allocation, or the allocation
 * already holds another slot. The message says which, for the resource manager's log.
 */
public final class SlotConflictException extends CallRefusedException {

  private static final long serialVersionUID = 1L;

  SlotConflictException(String message) {
    super(message);
  }
}
