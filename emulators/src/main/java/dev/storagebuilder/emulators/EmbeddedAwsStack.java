package dev.storagebuilder.emulators;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.scaladsl.Http;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQS, S3 and DynamoDB on 127.0.0.1, each on a free port, for the demo, local mode and tests.
 *
 * <ul>
 *   <li><b>SQS</b>: ElasticMQ, in this JVM, JSON protocol. Besides send/receive/delete, visibility
 *       timeouts, long polling and batches, Storage Builder relies on two ElasticMQ features that
 *       other SQS emulators lack: a {@code RedrivePolicy} ({@code deadLetterTargetArn}, {@code
 *       maxReceiveCount}) that moves a message to the dead-letter queue once it was received more
 *       than {@code maxReceiveCount} times, and DLQ redrive with {@code StartMessageMoveTask} /
 *       {@code ListMessageMoveTasks} (source = the DLQ's ARN, no destination = back to the queues
 *       the messages came from). Queues are in memory only, even with a {@linkplain
 *       Builder#stateDir state directory}. Checked against ElasticMQ, not SQS: a DeleteMessage or
 *       ChangeMessageVisibility with the handle of a message already deleted is answered {@code
 *       ReceiptHandleIsInvalid} (SQS may accept such a delete: rely on neither), and a visibility
 *       timeout above SQS's 12 h (43200 s) is accepted, so no test here shows one refused.
 *   <li><b>S3</b>: S3Proxy, in this JVM, filesystem backend, AWS signature V2 or V4 checked against
 *       {@link #accessKey()} / {@link #secretKey()}. Clients must use path-style addressing ({@code
 *       forcePathStyle(true)}). Multipart upload and ranged GETs work; the SDK's multipart
 *       <em>download</em> is answered 501, so read with a plain GetObject. As S3 does, it checks
 *       an {@code x-amz-checksum-crc32} against the body (400), answers 412 to a failed {@code
 *       If-Match} / {@code If-None-Match}, 416 to a range past the end, and refuses parts under 5
 *       MiB but the last; a write it cannot store (a full disk) is a 500, which the SDK retries.
 *   <li><b>DynamoDB</b>: dynalite 4.0.0, a Node.js child process (Node.js 20+ must be on the PATH),
 *       installed on first use with {@code npm ci} into {@code ~/.cache/storage-builder/}. Tables
 *       turn ACTIVE within milliseconds (CreateTable still answers CREATING: wait for ACTIVE). No
 *       transactions ({@code TransactWriteItems}) and no {@code UpdateTimeToLive}. Every read is
 *       strongly consistent (one LevelDB, no replicas), so a read without {@code
 *       ConsistentRead} that passes here may still see stale data on DynamoDB.
 * </ul>
 *
 * <p>Resources (queues, buckets, tables) are not created here; that is the {@code aws} module's
 * job, against this stack or real AWS alike.
 *
 * <p>{@link #close()} stops all three. A JVM shutdown hook closes a stack that was not closed, and
 * dynalite also exits by itself when this JVM dies (it watches its stdin pipe), so no node process
 * outlives the JVM even after a SIGKILL.
 */
public final class EmbeddedAwsStack implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedAwsStack.class);

  private static final String HOST = "127.0.0.1";
  private static final String REGION = "us-east-1";
  private static final String ACCESS_KEY = "storage-builder-local";
  private static final String SECRET_KEY = "storage-builder-local-secret";
  private static final Duration DYNALITE_READY_TIMEOUT = Duration.ofSeconds(15);
  private static final int DYNALITE_LAUNCH_ATTEMPTS = 3;
  private static final String STATE_LOCK = "stack.lock";

  /**
   * Laid over ElasticMQ's own configuration. ElasticMQ reads only raw headers ({@code
   * X-Amz-Target}, {@code X-Amzn-Trace-Id}), but Pekko HTTP parses every known header into its
   * model first, with a parboiled parser per request, and the SDK's SigV4 {@code Authorization}
   * does not even fit that model (ElasticMQ silences the warning). Raw headers only cut the
   * server's CPU per SendMessageBatch by roughly a fifth; nothing on the wire changes.
   *
   * <p>One dispatcher thread per core rather than Pekko's floor of 8: ElasticMQ and Pekko HTTP
   * never block a dispatcher thread (a long poll is a scheduled reply), and on the two cores the
   * fleet shares with it, 8 threads mostly parked and woke each other (futex calls were a quarter of
   * ElasticMQ's samples in an update-all profile). 10,000 enqueued messages: ElasticMQ's CPU 1.84
   * and 2.05 s against 2.35 and 2.65 s with the floor of 8 (alternating runs).
   */
  static final String ELASTICMQ_PEKKO_OVERRIDES =
      """
      pekko.http.server.parsing.modeled-header-parsing = off
      pekko.actor.default-dispatcher.fork-join-executor.parallelism-min = 2
      pekko.actor.default-dispatcher.fork-join-executor.parallelism-factor = 1.0
      pekko.actor.default-dispatcher.fork-join-executor.parallelism-max = 8
      """;

  private final URI sqsEndpoint;
  private final URI s3Endpoint;
  private final URI dynamoEndpoint;
  private final Deque<AutoCloseable> stopInReverse;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final @Nullable Thread shutdownHook;

  private EmbeddedAwsStack(
      URI sqsEndpoint,
      URI s3Endpoint,
      URI dynamoEndpoint,
      Deque<AutoCloseable> stopInReverse,
      boolean shutdownHook) {
    this.sqsEndpoint = sqsEndpoint;
    this.s3Endpoint = s3Endpoint;
    this.dynamoEndpoint = dynamoEndpoint;
    this.stopInReverse = stopInReverse;
    if (shutdownHook) {
      this.shutdownHook = new Thread(this::stopAll, "embedded-aws-stack-shutdown");
      Runtime.getRuntime().addShutdownHook(this.shutdownHook);
    } else {
      this.shutdownHook = null;
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** ElasticMQ, e.g. {@code http://127.0.0.1:41234}; queue URLs it returns use the same port. */
  public URI sqsEndpoint() {
    return sqsEndpoint;
  }

  /** S3Proxy; use path-style addressing. */
  public URI s3Endpoint() {
    return s3Endpoint;
  }

  /** dynalite. */
  public URI dynamoEndpoint() {
    return dynamoEndpoint;
  }

  /** The region every client should be configured with. */
  public String region() {
    return REGION;
  }

  /** Static test credentials; S3Proxy checks them, ElasticMQ and dynalite accept any. */
  public String accessKey() {
    return ACCESS_KEY;
  }

  public String secretKey() {
    return SECRET_KEY;
  }

  /**
   * Stops dynalite, S3Proxy and ElasticMQ, and deletes the temporary state of a stateless stack.
   */
  @Override
  public void close() {
    stopAll();
    if (shutdownHook == null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shutdownInProgress) {
      // the hook is running or about to; stopAll() is idempotent
    }
  }

  private void stopAll() {
    if (closed.compareAndSet(false, true)) {
      stopQuietly(stopInReverse);
      log.info("Embedded AWS stack stopped");
    }
  }

  private static void stopQuietly(Deque<AutoCloseable> stopInReverse) {
    while (!stopInReverse.isEmpty()) {
      AutoCloseable part = stopInReverse.pop();
      long started = System.nanoTime();
      try {
        part.close();
        log.debug(
            "Stopped {} in {} ms",
            part,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      } catch (Exception e) {
        log.warn("Stopping {} failed: {}", part, e.toString());
      }
    }
  }

  /** Options for {@link EmbeddedAwsStack}; nothing is required. */
  public static final class Builder {

    private @Nullable Path stateDir;
    private boolean shutdownHook = true;

    private Builder() {}

    /**
     * No shutdown hook of the stack's own: the caller closes it when the JVM exits, after what
     * uses it. Shutdown hooks run all at once, so the stack's own would stop the emulators while
     * the local fleet's hook is still stopping workers that drain against them (their targets'
     * releases and commits then fail).
     */
    public Builder closedByCallerOnExit() {
      this.shutdownHook = false;
      return this;
    }

    /**
     * Keep S3 objects ({@code DIR/s3}) and DynamoDB tables ({@code DIR/dynamodb}) across restarts.
     * Without it, objects go to a temporary directory deleted on close and dynalite keeps its
     * tables in memory. SQS queues are never persisted. One stack at a time uses a state
     * directory: another, in any JVM, is refused until this one is closed.
     */
    public Builder stateDir(Path stateDir) {
      // absolute: dynalite runs with the install directory as its working directory
      this.stateDir = Objects.requireNonNull(stateDir, "stateDir").toAbsolutePath();
      return this;
    }

    /**
     * Starts the three emulators, or none: if one fails, those already started are stopped and an
     * {@link EmulatorStartException} says which one and why.
     */
    public EmbeddedAwsStack start() {
      long started = System.nanoTime();
      Deque<AutoCloseable> stopInReverse = new ArrayDeque<>();
      try {
        Path s3Dir;
        @Nullable Path dynamoDir;
        if (stateDir == null) {
          s3Dir = Files.createTempDirectory("storage-builder-s3-");
          stopInReverse.push(new DeleteOnClose(s3Dir));
          dynamoDir = null;
        } else {
          Files.createDirectories(stateDir);
          lockStateDir(stateDir, stopInReverse);
          s3Dir = Files.createDirectories(stateDir.resolve("s3"));
          dynamoDir = Files.createDirectories(stateDir.resolve("dynamodb"));
        }

        // node boots while the JVM-side emulators start
        DynaliteInstallation dynalite =
            DynaliteInstallation.ensureInstalled(DynaliteInstallation.defaultCacheRoot());
        DynaliteProcess dynamo = DynaliteProcess.launch(dynalite, dynamoDir);
        stopInReverse.push(dynamo);

        URI sqsEndpoint = startElasticMq(stopInReverse);
        URI s3Endpoint = startS3Proxy(s3Dir, stopInReverse);
        dynamo = awaitDynalite(dynamo, dynalite, dynamoDir, stopInReverse);

        EmbeddedAwsStack stack =
            new EmbeddedAwsStack(
                sqsEndpoint, s3Endpoint, dynamo.endpoint(), stopInReverse, shutdownHook);
        log.info(
            "Embedded AWS stack up in {} ms: sqs={} s3={} dynamodb={}{}",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
            sqsEndpoint,
            s3Endpoint,
            dynamo.endpoint(),
            stateDir == null ? "" : " state=" + stateDir);
        return stack;
      } catch (IOException e) {
        stopQuietly(stopInReverse);
        throw new EmulatorStartException(
            "could not prepare the emulators' state directory: " + describe(e), e);
      } catch (RuntimeException | Error e) {
        stopQuietly(stopInReverse);
        throw e;
      }
    }

    /**
     * One stack per state directory, across JVMs: a second dynalite on the same LevelDB starts and
     * listens, then dies on its first request (the database's LOCK is taken), which callers saw as
     * connection failures after the SDK's retries. Held until the stack is closed.
     */
    private static void lockStateDir(Path stateDir, Deque<AutoCloseable> stopInReverse)
        throws IOException {
      FileChannel channel =
          FileChannel.open(
              stateDir.resolve(STATE_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException inThisJvm) {
        lock = null;
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
      if (lock == null) {
        channel.close();
        throw new EmulatorStartException(
            "the state directory "
                + stateDir
                + " is in use by another embedded stack (a sync, demo, snapshot or verify"
                + " still running on it); wait for it to end or use another directory");
      }
      FileLock held = lock;
      stopInReverse.push(
          new Named(
              "lock of " + stateDir,
              () -> {
                try (channel) {
                  held.release();
                }
              }));
    }

    private static URI startElasticMq(Deque<AutoCloseable> stopInReverse) {
      ActorSystem actorSystem;
      try {
        actorSystem = ActorSystem.create("elasticmq", elasticMqConfig());
      } catch (RuntimeException e) {
        throw new EmulatorStartException("ElasticMQ (SQS) could not start: " + e, e);
      }
      // ElasticMQ does not terminate an actor system it was given: stopped after the server
      stopInReverse.push(new Named("ElasticMQ actor system", () -> terminate(actorSystem)));
      SQSRestServer server;
      try {
        server =
            SQSRestServerBuilder.withActorSystem(actorSystem)
                .withInterface(HOST)
                .withDynamicPort()
                .withAWSRegion(REGION)
                .start();
      } catch (RuntimeException e) {
        throw new EmulatorStartException("ElasticMQ (SQS) could not start: " + e, e);
      }
      Http.ServerBinding binding;
      try {
        binding = server.waitUntilStarted();
      } catch (RuntimeException e) {
        server.stopAndWait();
        throw new EmulatorStartException(
            "ElasticMQ (SQS) could not listen on " + HOST + ": " + e, e);
      }
      stopInReverse.push(new Named("ElasticMQ", server::stopAndWait));
      return URI.create("http://" + HOST + ":" + binding.localAddress().getPort());
    }

    /** ElasticMQ's own (its {@code application.conf}) with {@link #ELASTICMQ_PEKKO_OVERRIDES}. */
    static Config elasticMqConfig() {
      ClassLoader loader = SQSRestServer.class.getClassLoader();
      return ConfigFactory.parseString(ELASTICMQ_PEKKO_OVERRIDES)
          .withFallback(ConfigFactory.load(loader));
    }

    private static void terminate(ActorSystem actorSystem) throws Exception {
      actorSystem.terminate();
      actorSystem.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static URI startS3Proxy(Path baseDir, Deque<AutoCloseable> stopInReverse) {
      S3Proxy s3Proxy =
          S3Proxy.builder()
              .blobStore(new FilesystemNio2BlobStore(baseDir.toString()))
              .endpoint(URI.create("http://" + HOST + ":0"))
              .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
              // the SDK sends headers S3Proxy does not know (checksum algorithms, SDK metadata)
              .ignoreUnknownHeaders(true)
              // no graceful drain: with the default (30 s) Jetty waits on the clients' idle
              // keep-alive connections and close() took ~2 s
              .stopTimeout(0)
              .build();
      try {
        s3Proxy.start();
      } catch (Exception e) {
        try {
          s3Proxy.stop();
        } catch (Exception stopFailure) {
          e.addSuppressed(stopFailure);
        }
        throw new EmulatorStartException("S3Proxy (S3) could not listen on " + HOST + ": " + e, e);
      }
      stopInReverse.push(new Named("S3Proxy", s3Proxy::stop));
      return URI.create("http://" + HOST + ":" + s3Proxy.getPort());
    }

    private static DynaliteProcess awaitDynalite(
        DynaliteProcess first,
        DynaliteInstallation installation,
        @Nullable Path dataDir,
        Deque<AutoCloseable> stopInReverse) {
      DynaliteProcess current = first;
      for (int attempt = 1; ; attempt++) {
        try {
          current.awaitReady(DYNALITE_READY_TIMEOUT);
          return current;
        } catch (DynaliteProcess.PortTakenException e) {
          stopInReverse.remove(current);
          if (attempt == DYNALITE_LAUNCH_ATTEMPTS) {
            throw new EmulatorStartException(
                e.getMessage() + " (" + attempt + " attempts on different free ports)", e);
          }
          log.debug("{}; launching dynalite on another port", e.getMessage());
          current = DynaliteProcess.launch(installation, dataDir);
          stopInReverse.push(current);
        }
      }
    }
  }

  /**
   * The JDK's {@link FileSystemException} messages are the bare path unless the OS gave a reason
   * (permission denied, a file in the way carry none), which told the user where but not why.
   */
  public static String describe(IOException e) {
    return switch (e) {
      case AccessDeniedException denied -> denied.getFile() + ": permission denied";
      case FileAlreadyExistsException inTheWay ->
          inTheWay.getFile() + ": exists and is not a directory";
      case NoSuchFileException missing -> missing.getFile() + ": no such file or directory";
      case FileSystemException other when other.getReason() == null ->
          other.getFile() + ": " + other.getClass().getSimpleName();
      default -> e.getMessage() == null ? e.toString() : e.getMessage();
    };
  }

  /** Gives a lambda a name for the "Stopping X failed" log line. */
  private record Named(String name, AutoCloseable stop) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      stop.close();
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private record DeleteOnClose(Path directory) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      if (!Files.exists(directory)) {
        return;
      }
      try (Stream<Path> paths = Files.walk(directory)) {
        paths.sorted(Comparator.reverseOrder()).forEach(DeleteOnClose::delete);
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    }

    private static void delete(Path path) {
      try {
        Files.delete(path);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String toString() {
      return "temporary directory " + directory;
    }
  }
}
