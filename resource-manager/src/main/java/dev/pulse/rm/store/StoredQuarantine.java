package dev.pulse.rm.store;

import java.util.List;

/**
 * A resource id's loss history and quarantine as stored (SPEC 11): kept apart from its task executor
 * record, since a quarantine outlives the registration it was earned by.
 *
 * @param losses wall-clock epoch milliseconds of its recent losses that count (graceful leaves do not),
 *     oldest first
 * @param quarantines how many quarantines in a row it has had; the next one lasts twice as long as the last
 * @param quarantinedUntil epoch milliseconds its quarantine ends; 0 if it is not quarantined
 * @param releasedAt epoch milliseconds its last quarantine ended; 0 if none did
 */
public record StoredQuarantine(String resourceId, List<Long> losses, int quarantines, long quarantinedUntil,
    long releasedAt) {

  public StoredQuarantine {
    losses = List.copyOf(losses);
  }
}
