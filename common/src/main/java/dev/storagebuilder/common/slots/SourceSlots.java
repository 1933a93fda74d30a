package dev.storagebuilder.common.slots;

import java.util.Optional;

/**
 * A counting semaphore shared by every worker process: at most a fixed number of holders read one
 * source database at once, however many workers the fleet has. Slots are leases that expire unless
 * renewed, so a worker killed while holding one cannot keep it forever.
 *
 * <p>A port in {@code common} (like the ledgers) so the DynamoDB adapter in {@code aws} can
 * implement it and the worker's pipeline can use it without either depending on the other.
 */
public interface SourceSlots {
  /** No cap: every acquisition succeeds at once and nothing is stored. */
  SourceSlots UNLIMITED = holder -> Optional.of(Slot.UNBOUNDED);

  /**
   * Takes a slot for {@code holder} when fewer than the cap of unexpired leases are held, dropping
   * expired ones on the way. Empty when every slot is taken (or the race for the last one was lost
   * too often): the caller should come back later. Idempotent per holder: a holder that already
   * has a lease gets it renewed, not a second one. Holders must be unique per acquisition.
   *
   * @throws RuntimeException when the store cannot be reached (retryable, like any ledger call)
   */
  Optional<Slot> tryAcquire(String holder);

  /** One held slot; close it when the source read is over. */
  interface Slot extends AutoCloseable {
    /** A slot of {@link #UNLIMITED}: nothing to renew or release. */
    Slot UNBOUNDED =
        new Slot() {
          @Override
          public boolean renew() {
            return true;
          }

          @Override
          public void close() {}
        };

    /**
     * Extends the lease to a full time-to-live from now. Returns false when the lease had expired
     * and was reclaimed by another holder and no slot is free to take it back: the cap is then
     * exceeded by this holder until it closes the slot. A no-op returning false after {@link #close}.
     *
     * @throws RuntimeException when the store cannot be reached; the lease still runs until it expires
     */
    boolean renew();

    /** Gives the slot back. Idempotent; never throws: an unreleased lease expires by itself. */
    @Override
    void close();
  }
}
