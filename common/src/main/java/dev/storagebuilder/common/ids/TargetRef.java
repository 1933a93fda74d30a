package dev.storagebuilder.common.ids;

/** One client's one storage target: the unit of work, of versioning and of every message. */
public record TargetRef(String clientId, String target) implements Comparable<TargetRef> {
  public TargetRef {
    Ids.requireClientId(clientId);
    Ids.requireTargetName(target);
  }

  /** The DynamoDB partition key of this target's version record. */
  public String key() {
    return clientId + "#" + target;
  }

  @Override
  public int compareTo(TargetRef other) {
    int byClient = clientId.compareTo(other.clientId);
    return byClient != 0 ? byClient : target.compareTo(other.target);
  }

  @Override
  public String toString() {
    return clientId + "/" + target;
  }
}
