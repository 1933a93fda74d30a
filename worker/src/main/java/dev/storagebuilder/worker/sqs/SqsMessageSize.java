package dev.storagebuilder.worker.sqs;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * Builds the attributes of a message the worker sends itself (a postponed copy, a dead letter)
 * within what SQS accepts: at most ten attributes, and the body plus every attribute's name, data
 * type and value at most {@link #MAX_BYTES} UTF-8 bytes together. The original fit with its own
 * attributes; what the worker adds must not push a copy of it over, since SQS refuses the whole
 * send (ElasticMQ does not, so only the computation shows it).
 */
final class SqsMessageSize {
  /**
   * SQS's limit on body and attributes together for a queue left at its historical maximum; a queue
   * set higher (up to 1 MiB) takes a copy built within this too, with fewer attributes at worst.
   */
  static final int MAX_BYTES = 256 * 1024;

  static final int MAX_ATTRIBUTES = 10;
  private static final String STRING = "String";

  private final Map<String, MessageAttributeValue> attributes = new HashMap<>();
  private final int limit;
  private int size;

  /** Attributes for a message with {@code body}, within {@link #MAX_BYTES}. */
  SqsMessageSize(String body) {
    this(body, MAX_BYTES);
  }

  SqsMessageSize(String body, int limit) {
    this.limit = limit;
    this.size = utf8Length(body);
  }

  /** Adds a String attribute if it fits in count and size; an empty value is sent as "-" (SQS refuses empty ones). */
  boolean add(String name, String value) {
    String sent = value.isEmpty() ? "-" : value;
    int bytes = attributeBytes(name, sent);
    if (attributes.containsKey(name) || attributes.size() >= MAX_ATTRIBUTES || size + bytes > limit) {
      return false;
    }
    attributes.put(name, MessageAttributeValue.builder().dataType(STRING).stringValue(sent).build());
    size += bytes;
    return true;
  }

  /**
   * Adds {@code value} cut to the bytes left (on a character boundary) and to {@code maxChars};
   * nothing when not even one character fits.
   */
  boolean addCut(String name, String value, int maxChars) {
    if (value.isEmpty()) {
      return add(name, value);
    }
    int room = limit - size - attributeBytes(name, "");
    String cut = prefixWithin(value.length() > maxChars ? value.substring(0, maxChars) : value, room);
    return !cut.isEmpty() && add(name, cut);
  }

  int attributeCount() {
    return attributes.size();
  }

  /** Body and attributes as SQS counts them. */
  int bytes() {
    return size;
  }

  Map<String, MessageAttributeValue> attributes() {
    return Map.copyOf(attributes);
  }

  static int attributeBytes(String name, String value) {
    return utf8Length(name) + utf8Length(STRING) + utf8Length(value);
  }

  static int utf8Length(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }

  /** The longest prefix of {@code text} of at most {@code maxBytes} UTF-8 bytes, whole code points only. */
  static String prefixWithin(String text, int maxBytes) {
    int bytes = 0;
    int end = 0;
    while (end < text.length()) {
      int codePoint = text.codePointAt(end);
      int next = utf8Length(Character.toString(codePoint));
      if (bytes + next > maxBytes) {
        break;
      }
      bytes += next;
      end += Character.charCount(codePoint);
    }
    return text.substring(0, end);
  }
}
