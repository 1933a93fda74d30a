package dev.storagebuilder.local.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TCP forwarder from 127.0.0.1:{@link #port()} to a database (or any server) that can simulate an
 * outage without stopping the server others use: {@link #cutOff()} resets every open connection and
 * every new one until {@link #restore()}; {@link #throttle(int)} slows the bytes down so targets run
 * long enough to be caught mid-flight; {@link #failHttp(HttpFault...)} makes an HTTP server (S3,
 * DynamoDB) answer with errors of its own protocol.
 */
public final class TcpProxy implements AutoCloseable {
  private static final Pattern CONTENT_LENGTH = Pattern.compile("\r\ncontent-length: *(\\d+)");
  private final ServerSocket listener;
  private final String targetHost;
  private final int targetPort;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong forwarded = new AtomicLong();
  private volatile boolean cutOff;
  private volatile int bytesPerSecond;
  private volatile boolean closed;
  private volatile List<HttpFault> httpFaults = List.of();
  private final AtomicLong httpFailures = new AtomicLong();
  private final AtomicLong faultedConnections = new AtomicLong();

  /** An HTTP error answer given instead of forwarding a request. */
  public record HttpFault(int status, String reasonPhrase, String contentType, String body) {
    /** S3's XML error: 503 {@code SlowDown}, anything else {@code InternalError}. */
    public static HttpFault s3(int status) {
      String code = status == 503 ? "SlowDown" : "InternalError";
      return new HttpFault(status, status == 503 ? "Slow Down" : "Internal Server Error", "application/xml",
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code
              + "</Code><Message>injected by the fault proxy</Message></Error>");
    }

    /**
     * DynamoDB's JSON error: HTTP 400 with the error's {@code __type}, e.g. {@code
     * ThrottlingException} or {@code ProvisionedThroughputExceededException}.
     */
    public static HttpFault dynamoDb(String errorType, String message) {
      return new HttpFault(400, "Bad Request", "application/x-amz-json-1.0",
          "{\"__type\":\"com.amazonaws.dynamodb.v20120810#" + errorType + "\",\"message\":\"" + message + "\"}");
    }
  }

  private TcpProxy(String targetHost, int targetPort, int listenPort) throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.listener = new ServerSocket();
    listener.setReuseAddress(true);
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort));
    Thread.ofVirtual().name("tcp-proxy-accept").start(this::acceptLoop);
  }

  public static TcpProxy start(String targetHost, int targetPort) {
    return start(targetHost, targetPort, 0);
  }

  /** Listens on {@code listenPort} (0: any free port). */
  public static TcpProxy start(String targetHost, int targetPort, int listenPort) {
    try {
      return new TcpProxy(targetHost, targetPort, listenPort);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Resets every open connection and every new one until {@link #restore()}. */
  public void cutOff() {
    cutOff = true;
    for (Socket socket : open) {
      reset(socket);
    }
  }

  public void restore() {
    cutOff = false;
    httpFaults = List.of();
  }

  public boolean isCutOff() {
    return cutOff;
  }

  /** {@link #failHttp(HttpFault...)} with S3's error for {@code status} (500, 503). */
  public void failHttp(int status) {
    failHttp(HttpFault.s3(status));
  }

  /**
   * For an HTTP server behind the proxy: drops open connections and answers every new
   * connection's first request with one of {@code faults} (in turn) and {@code Connection: close}
   * until {@link #restore()}, so every request, the client's retries included, gets an error. The
   * client sees the server's error, not a network failure.
   */
  public void failHttp(HttpFault... faults) {
    httpFaults = List.of(faults);
    for (Socket socket : open) {
      reset(socket);
    }
  }

  /** HTTP error answers given while {@link #failHttp(int)} was on. */
  public long httpFailuresInjected() {
    return httpFailures.get();
  }

  /** Limits each direction of each connection to about this rate; 0 lifts the limit. */
  public void throttle(int bytesPerSecond) {
    this.bytesPerSecond = Math.max(0, bytesPerSecond);
  }

  /** Connections passed through to the server so far. */
  public long connectionsForwarded() {
    return forwarded.get();
  }

  /** Connections reset because the proxy was cut off. */
  public long refusedConnections() {
    return refused.get();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      if (cutOff) {
        refused.incrementAndGet();
        reset(client);
        continue;
      }
      List<HttpFault> faults = httpFaults;
      if (!faults.isEmpty()) {
        HttpFault fault = faults.get((int) (faultedConnections.getAndIncrement() % faults.size()));
        Thread.ofVirtual().start(() -> answerHttp(client, fault));
        continue;
      }
      Thread.ofVirtual().start(() -> connect(client));
    }
  }

  private void answerHttp(Socket client, HttpFault fault) {
    try (client) {
      client.setSoTimeout(5000);
      InputStream in = client.getInputStream();
      StringBuilder headers = new StringBuilder();
      int matched = 0;
      byte[] end = {'\r', '\n', '\r', '\n'};
      int b;
      while (matched < 4 && (b = in.read()) >= 0) {
        headers.append((char) b);
        matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      // Read the body the client sends right away: closing with unread bytes would send a reset,
      // which the client may see instead of the answer. A client expecting 100-continue sends none.
      String lower = headers.toString().toLowerCase(Locale.ROOT);
      Matcher length = CONTENT_LENGTH.matcher(lower);
      if (length.find() && !lower.contains("\r\nexpect: 100-continue")) {
        in.skipNBytes(Long.parseLong(length.group(1)));
      }
      byte[] body = fault.body().getBytes(StandardCharsets.UTF_8);
      String head = "HTTP/1.1 " + fault.status() + " " + fault.reasonPhrase() + "\r\n"
          + "Content-Type: " + fault.contentType() + "\r\nContent-Length: " + body.length
          + "\r\nConnection: close\r\n\r\n";
      OutputStream out = client.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      httpFailures.incrementAndGet();
    } catch (IOException e) {
      // the client gave up first
    }
  }

  private void connect(Socket client) {
    Socket server;
    try {
      server = new Socket(targetHost, targetPort);
    } catch (IOException e) {
      reset(client);
      return;
    }
    open.add(client);
    open.add(server);
    forwarded.incrementAndGet();
    Thread.ofVirtual().start(() -> pump(client, server));
    Thread.ofVirtual().start(() -> pump(server, client));
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[8192];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (cutOff) {
          break;
        }
        int rate = bytesPerSecond;
        if (rate > 0) {
          LockSupport.parkNanos(n * 1_000_000_000L / rate);
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side went away: close both below
    } finally {
      reset(from);
      reset(to);
    }
  }

  private void reset(Socket socket) {
    open.remove(socket);
    try {
      socket.setSoLinger(true, 0); // RST, as a dead host or a dropped route looks to the client
    } catch (SocketException e) {
      // already closed
    }
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket socket : open) {
      reset(socket);
    }
  }
}
