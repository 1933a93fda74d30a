package dev.storagebuilder.local.fleet;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Stands in for a producer or worker jar: answers 200 to every request on {@code
 * micronaut.server.port} (0: a free port, written to {@code storage-builder.port-file} if set) and, like a worker draining its targets, takes {@link #DRAIN} to stop
 * after SIGTERM.
 */
final class SlowToStopProcess {
  static final Duration DRAIN = Duration.ofSeconds(4);

  private SlowToStopProcess() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.getInteger("micronaut.server.port");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext("/", exchange -> {
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
    String portFile = System.getProperty("storage-builder.port-file");
    if (portFile != null) { // as the producer does: the fleet waits for it
      Path partial = Path.of(portFile + ".partial");
      Files.writeString(partial, server.getAddress().getPort() + "\n");
      Files.move(partial, Path.of(portFile), StandardCopyOption.ATOMIC_MOVE);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      long until = System.nanoTime() + DRAIN.toNanos();
      while (System.nanoTime() < until) {
        LockSupport.parkNanos(until - System.nanoTime());
      }
    }));
  }
}
