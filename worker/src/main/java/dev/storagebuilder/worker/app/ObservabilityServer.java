package dev.storagebuilder.worker.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.storagebuilder.common.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's only HTTP surface, on the JDK's built-in server: {@code /health/liveness} (what the
 * ECS container check asks), {@code /health/readiness}, {@code /health} (both) and {@code
 * /prometheus}. 200 when every check is UP, 503 otherwise, with the same JSON shape the producer's
 * Micronaut endpoints answer.
 *
 * <p>Why not Micronaut's Netty server: it and its management, routing, reactive and JSON layers
 * loaded ~2,000 classes (class data and metaspace: resident memory of every worker) to answer four
 * GETs a few times a minute.
 */
final class ObservabilityServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ObservabilityServer.class);
  static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final int port;
  private final String name;
  private final List<Supplier<Health>> liveness;
  private final List<Supplier<Health>> readiness;
  private final Supplier<String> scrape;
  private HttpServer server;
  private ExecutorService handlers;
  private ExecutorService readinessHandlers;

  /**
   * @param port 0 for any free port (tests)
   * @param name the application name in the health answers
   */
  ObservabilityServer(
      int port, String name, List<Supplier<Health>> liveness, List<Supplier<Health>> readiness,
      Supplier<String> scrape) {
    this.port = port;
    this.name = name;
    this.liveness = List.copyOf(liveness);
    this.readiness = List.copyOf(readiness);
    this.scrape = scrape;
  }

  /** Binds the port (all interfaces) and serves; its dispatcher thread keeps the JVM alive. */
  synchronized void start() {
    try {
      server = HttpServer.create(new InetSocketAddress(port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on port " + port + " for health and metrics", e);
    }
    // Liveness is what the ECS container check asks, with a 5 s timeout. Readiness may wait on a
    // slow dependency (up to its timeout, and behind another readiness request), so it is answered
    // on threads of its own: however many readiness requests wait, the handlers stay free for
    // liveness and metrics. (With two shared handlers, two readiness requests held liveness back.)
    handlers = Executors.newFixedThreadPool(2, Thread.ofPlatform().name("http-", 0).daemon(true).factory());
    readinessHandlers =
        Executors.newFixedThreadPool(2, Thread.ofPlatform().name("http-readiness-", 0).daemon(true).factory());
    server.setExecutor(handlers);
    List<Supplier<Health>> all = new ArrayList<>(liveness);
    all.addAll(readiness);
    server.createContext("/", exchange -> {
      switch (exchange.getRequestURI().getPath()) {
        case "/health/liveness" -> health(exchange, liveness);
        case "/health/readiness" -> healthAside(exchange, readiness);
        case "/health", "/health/" -> healthAside(exchange, all);
        case "/prometheus" -> send(exchange, 200, PROMETHEUS_CONTENT_TYPE, scrape.get());
        default -> send(exchange, 404, "application/json", "{\"message\":\"Not Found\"}");
      }
    });
    server.start();
    log.info("health and metrics on port {}", port());
  }

  /** The bound port (the one asked for, or the one picked for 0). */
  synchronized int port() {
    return server == null ? port : server.getAddress().getPort();
  }

  /** Answers on a readiness thread; the handler's thread returns at once. */
  private void healthAside(HttpExchange exchange, List<Supplier<Health>> checks) {
    try {
      readinessHandlers.execute(() -> {
        try {
          health(exchange, checks);
        } catch (IOException | RuntimeException e) {
          log.debug("health answer failed: {}", e.toString());
          exchange.close();
        }
      });
    } catch (RejectedExecutionException e) {
      exchange.close(); // closing
    }
  }

  private void health(HttpExchange exchange, List<Supplier<Health>> checks) throws IOException {
    Map<String, Object> details = new LinkedHashMap<>();
    boolean up = true;
    for (Supplier<Health> check : checks) {
      Health health;
      try {
        health = check.get();
      } catch (RuntimeException e) {
        health = new Health("check", false, Map.of("error", String.valueOf(e)));
      }
      up &= health.up();
      details.put(health.name(), health.toJson());
    }
    Health overall = new Health(name, up, details);
    send(exchange, up ? 200 : 503, "application/json", Json.mapper().writeValueAsString(overall.toJson()));
  }

  private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    try (exchange) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      if (exchange.getRequestMethod().equals("HEAD")) {
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** Stops accepting and closes the port; a request in progress gets up to a second. */
  @Override
  public synchronized void close() {
    if (server != null) {
      server.stop(1);
      handlers.shutdownNow();
      readinessHandlers.shutdownNow();
      server = null;
    }
  }
}
