package dev.storagebuilder.aws.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads HTTP/1.1 requests off a stream one at a time, for the test proxies: a request line and
 * headers, then {@code Content-Length} bytes of body (the SDK's HTTP client neither pipelines nor
 * sends chunked bodies); and skips a server's answer, chunked or not.
 */
final class HttpRequests {
  private static final Pattern CONTENT_LENGTH = Pattern.compile("\r\ncontent-length: *(\\d+)\r\n");

  private HttpRequests() {}

  /** The request line and headers up to the blank line, or null at the end of the stream. */
  static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toByteArray();
  }

  static String requestLine(byte[] head) {
    String text = new String(head, StandardCharsets.ISO_8859_1);
    return text.substring(0, text.indexOf("\r\n"));
  }

  static long contentLength(byte[] head) {
    Matcher length =
        CONTENT_LENGTH.matcher(new String(head, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT));
    return length.find() ? Long.parseLong(length.group(1)) : 0;
  }

  /** Reads one HTTP/1.1 response to its end: its head, then its chunks or its Content-Length bytes. */
  static void skipResponse(InputStream in) throws IOException {
    byte[] head = readHead(in);
    if (head == null) {
      return;
    }
    String headers = new String(head, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
    if (!headers.contains("\r\ntransfer-encoding: chunked\r\n")) {
      in.skipNBytes(contentLength(head));
      return;
    }
    while (true) {
      String sizeLine = readLine(in);
      int extension = sizeLine.indexOf(';');
      long size = Long.parseLong((extension < 0 ? sizeLine : sizeLine.substring(0, extension)).trim(), 16);
      if (size == 0) {
        while (!readLine(in).isEmpty()) {
          // trailers, up to the blank line
        }
        return;
      }
      in.skipNBytes(size + 2); // the chunk and its CRLF
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      if (b != '\r') {
        line.append((char) b);
      }
    }
    if (b < 0) {
      throw new IOException("the server closed the connection mid-answer");
    }
    return line.toString();
  }

  /** Copies exactly {@code length} bytes. */
  static void copy(InputStream in, OutputStream out, long length) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    while (length > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, length));
      if (n < 0) {
        throw new IOException("the client closed the connection mid-body");
      }
      out.write(buffer, 0, n);
      length -= n;
    }
  }
}
