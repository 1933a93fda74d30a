package dev.storagebuilder.producer.runs;

import dev.storagebuilder.common.ids.Ids;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.ledger.TargetVersion;
import dev.storagebuilder.common.ledger.VersionLedger;
import dev.storagebuilder.producer.InvalidRequestException;
import dev.storagebuilder.producer.ServiceUnavailableException;
import java.util.List;

/** Reads of the version ledger for the API: a target's current version and its last commits. */
public final class TargetQueries {
  private final VersionLedger versions;

  public TargetQueries(VersionLedger versions) {
    this.versions = versions;
  }

  /**
   * @throws InvalidRequestException for a malformed client id or target name
   * @throws UnknownTargetException when the target has never been committed
   */
  public TargetDetails target(String clientId, String target) {
    TargetRef ref;
    try {
      ref = new TargetRef(Ids.requireClientId(clientId), Ids.requireTargetName(target));
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
    List<TargetVersion> history;
    try {
      history = versions.history(ref);
      if (history.isEmpty()) {
        history = versions.current(ref).stream().toList();
      }
    } catch (RuntimeException e) {
      throw new ServiceUnavailableException(
          "cannot read the version ledger: " + e.getMessage(), e);
    }
    if (history.isEmpty()) {
      throw new UnknownTargetException(ref);
    }
    return TargetDetails.of(ref, history);
  }

  /**
   * A target's version record as the API shows it.
   *
   * @param current the newest commit (also {@code history[0]})
   * @param history the last commits, newest first (at most what the ledger keeps)
   */
  public record TargetDetails(
      String clientId,
      String target,
      VersionView current,
      long sequence,
      int chainLength,
      String manifestKey,
      List<VersionView> history) {
    static TargetDetails of(TargetRef ref, List<TargetVersion> history) {
      TargetVersion current = history.get(0);
      return new TargetDetails(
          ref.clientId(),
          ref.target(),
          VersionView.of(current),
          current.sequence(),
          current.chainLength(),
          current.manifestKey(),
          history.stream().map(VersionView::of).toList());
    }
  }

  /** One commit of a target. */
  public record VersionView(
      long sequence,
      long watermark,
      String manifestKey,
      long rowCount,
      String contentChecksum,
      int chainLength,
      String runId,
      String committedAt) {
    static VersionView of(TargetVersion v) {
      return new VersionView(
          v.sequence(),
          v.watermark(),
          v.manifestKey(),
          v.rowCount(),
          v.contentChecksum(),
          v.chainLength(),
          v.runId(),
          v.committedAt().toString());
    }
  }
}
