package dev.storagebuilder.local.fleet;

import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.aws.config.AwsSettings;
import dev.storagebuilder.aws.dynamo.LedgerTables;
import dev.storagebuilder.aws.s3.S3ObjectStore;
import dev.storagebuilder.aws.sqs.QueueProvisioner;
import dev.storagebuilder.aws.sqs.QueueProvisioner.QueueUrls;
import dev.storagebuilder.emulators.EmbeddedAwsStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.locks.LockSupport;
import dev.storagebuilder.local.client.ProducerClient;

/**
 * The whole fleet on one machine: the embedded AWS stack in this JVM, the producer and the workers
 * as their own processes (their real jars, their own heaps), wired by properties.
 */
public final class LocalFleet implements AutoCloseable {
  /** Deliveries before the queue's own redrive policy moves a message (the worker gives up first). */
  public static final int QUEUE_MAX_RECEIVE_COUNT = 6;

  public static final int VISIBILITY_TIMEOUT_SECONDS = 120;
  /**
   * The workers' long-poll wait. A stopping worker lets its poll in progress run out rather than
   * lose what SQS is returning (MessageLoop.stopReceiver), so with SQS's 20 s every close of an
   * idle fleet (the end of each ./sb sync and demo, and of every test's fleet) waited up to 20 s
   * for nothing: SyncCommandIT's two syncs took 46 s. An empty poll every 2 s costs the local
   * ElasticMQ nothing; a poll still returns as soon as a message arrives.
   */
  static final String WORKER_RECEIVE_WAIT = "2s";
  // Generous: a Micronaut start without its class-data archive (the first after a build) took over
  // 60 s at load average 20 on two cores. A producer that dies is noticed at once regardless.
  private static final Duration PRODUCER_START_TIMEOUT = Duration.ofSeconds(180);
  static final Duration ALL_WORKERS_GONE_GRACE = Duration.ofSeconds(5);
  private static final Duration WORKER_STOP_GRACE = Duration.ofSeconds(40);
  private static final Duration PRODUCER_STOP_GRACE = Duration.ofSeconds(10);
  /** The producer's setting naming the file it writes its bound port to (producer's PortFile). */
  static final String PORT_FILE_PROPERTY = "storage-builder.port-file";
  /** Under the state directory. */
  static final String PRODUCER_PORT_FILE = "producer.port";

  private final FleetOptions options;
  private final EmbeddedAwsStack stack;
  private final AwsSettings aws;
  private final QueueUrls queues;
  private final FleetProcess producer;
  private final List<FleetProcess> workers = new ArrayList<>();
  private final Path producerPortFile;
  private volatile URI producerUrl;
  private final Map<String, String> workerProperties;
  private final Path home;
  private final String apiToken;
  private final Thread shutdownHook;
  private boolean closed;
  private long allWorkersGoneSince;

  private LocalFleet(FleetOptions options, Path home, String apiToken) throws IOException {
    this.options = options;
    this.home = home;
    this.apiToken = apiToken == null || apiToken.isBlank() ? generateToken() : apiToken;
    Path logs = options.stateDir().resolve("logs");
    Files.createDirectories(logs);
    this.producerPortFile = options.stateDir().resolve(PRODUCER_PORT_FILE).toAbsolutePath();
    // An earlier fleet's, on the same state directory: it names a port its producer no longer holds.
    Files.deleteIfExists(producerPortFile);
    this.stack =
        EmbeddedAwsStack.builder().stateDir(options.stateDir().resolve("aws")).closedByCallerOnExit().start();
    // Child JVMs outlive us unless stopped: Ctrl-C on the demo must not leave workers behind. The
    // stack is this hook's to stop too, after the workers have drained against it.
    this.shutdownHook = new Thread(this::close, "fleet-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    try {
      this.aws = settingsFor(stack);
      try (AwsClients clients = new AwsClients(aws)) {
        this.queues =
            QueueProvisioner.ensureQueues(
                clients.sqs(), aws.queueName(), aws.dlqName(), QUEUE_MAX_RECEIVE_COUNT, VISIBILITY_TIMEOUT_SECONDS);
        LedgerTables.ensure(clients.dynamo(), aws);
        new S3ObjectStore(clients.s3(), aws.bucket()).ensureBucket();
      }
      Map<String, String> common = new LinkedHashMap<>(awsProperties(aws));
      common.putAll(options.sourceProperties());
      Map<String, String> producerProperties = new LinkedHashMap<>(common);
      // The producer binds a free port itself and writes it to a file once it listens: a port picked
      // here and handed over could be taken by another process before the producer bound it, which
      // then failed at start (or the fleet talked to whoever held the port).
      producerProperties.put("micronaut.server.port", "0");
      producerProperties.put(PORT_FILE_PROPERTY, producerPortFile.toString());
      // A local fleet only: on a shared host a -D flag is visible in ps; deployments set the
      // STORAGE_BUILDER_API_TOKENS environment variable from a secret instead.
      producerProperties.put("storage-builder.api-tokens", this.apiToken);
      this.producer =
          new FleetProcess(
              "producer", FleetJars.producer(home), 256, FleetProcess.PRODUCER_COLLECTOR,
              FleetProcess.PRODUCER_COMPILER, producerProperties, logs);
      Map<String, String> worker = new LinkedHashMap<>(common);
      worker.put("storage-builder.worker.concurrency", String.valueOf(options.workerConcurrency()));
      worker.put("storage-builder.worker.max-receive-count", String.valueOf(QUEUE_MAX_RECEIVE_COUNT - 1));
      worker.put("storage-builder.worker.visibility-timeout", VISIBILITY_TIMEOUT_SECONDS + "s");
      worker.put("storage-builder.worker.receive-wait", WORKER_RECEIVE_WAIT);
      worker.putAll(options.extraWorkerProperties());
      this.workerProperties = Map.copyOf(worker);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Starts the stack, provisions queues, bucket and tables, then the producer and the workers. */
  public static LocalFleet start(FleetOptions options, Path home) throws IOException {
    return start(options, home, null);
  }

  /**
   * As {@link #start(FleetOptions, Path)}, with the producer's API token ({@link #apiToken()});
   * null or blank generates a random one.
   */
  public static LocalFleet start(FleetOptions options, Path home, String apiToken)
      throws IOException {
    LocalFleet fleet = new LocalFleet(options, home, apiToken);
    try {
      fleet.producer.start();
      for (int i = 1; i <= options.workers(); i++) {
        fleet.addWorker();
      }
      fleet.awaitProducer();
      return fleet;
    } catch (IOException | RuntimeException e) {
      fleet.close();
      throw e;
    }
  }

  /**
   * Starts one more worker process; returns it. Refused once the fleet is closed: close() stops
   * only the workers it knows, so a worker started after it (by the chaos thread, which may still
   * be running while a failed or interrupted demo closes the fleet) would outlive the CLI.
   */
  public synchronized FleetProcess addWorker() throws IOException {
    if (closed) {
      throw new IllegalStateException("the fleet is stopped; no worker started");
    }
    int index = workers.size() + 1;
    Map<String, String> properties = new LinkedHashMap<>(workerProperties);
    // The worker binds a free port for /health itself: nothing of a local fleet asks it, and a port
    // picked here could be taken before the worker bound it (it then exited at start, unnoticed).
    properties.put("micronaut.server.port", "0");
    properties.put("storage-builder.worker.id", "worker-" + index);
    Path workerJar = FleetJars.worker(home);
    FleetProcess worker =
        new FleetProcess("worker-" + index, workerJar,
            options.workerClassDataArchive().orElseGet(() -> FleetProcess.sharedArchive(workerJar)),
            options.workerHeapMb(), FleetProcess.WORKER_COLLECTOR, FleetProcess.WORKER_COMPILER,
            properties, options.stateDir().resolve("logs"));
    worker.start();
    workers.add(worker);
    return worker;
  }

  /**
   * Starts the producer again after {@code producer().stop(...)}, as an operator's restart does,
   * and returns once it answers on /health. It binds a new port, which {@link #producerUrl} names
   * from then on: a client made for the old URL reaches nothing.
   */
  public void startProducerAgain() throws IOException {
    if (producer.isAlive()) {
      throw new IllegalStateException("the producer is running; stop it first");
    }
    Files.deleteIfExists(producerPortFile);
    producer.start();
    awaitProducer();
  }

  /** Waits for the port the producer bound, then for its health. */
  private void awaitProducer() {
    Instant deadline = Instant.now().plus(PRODUCER_START_TIMEOUT);
    ProducerClient client = null;
    while (true) {
      if (client == null) {
        OptionalInt port = boundPort(producerPortFile);
        if (port.isPresent()) {
          producerUrl = URI.create("http://127.0.0.1:" + port.getAsInt());
          client = new ProducerClient(producerUrl, null);
        }
      }
      if (client != null && client.healthy()) {
        return;
      }
      if (!producer.isAlive()) {
        throw new IllegalStateException(
            producer.refusal().orElse("the producer exited during startup") + "; see " + producer.log());
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("the producer did not become healthy in " + PRODUCER_START_TIMEOUT + "; see " + producer.log());
      }
      // Fine-grained: the bench times a producer's start by this wait (producer_start_seconds).
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }

  /**
   * The port in the file the producer writes once it listens; empty until then. The producer moves
   * the whole file into place, so one that exists is complete.
   */
  static OptionalInt boundPort(Path portFile) {
    String text;
    try {
      text = Files.readString(portFile).strip();
    } catch (NoSuchFileException e) {
      return OptionalInt.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the producer's port from " + portFile, e);
    }
    try {
      int port = Integer.parseInt(text);
      if (port >= 1 && port <= 65535) {
        return OptionalInt.of(port);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalStateException("the producer's port file " + portFile + " holds no port: '" + text + "'");
  }

  /** The read-write bearer token the producer accepts. */
  public String apiToken() {
    return apiToken;
  }

  /** 32 random bytes, URL-safe Base64: 43 characters. */
  public static String generateToken() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Where the producer listens: the port it bound, known once {@link #start} returned. */
  public URI producerUrl() {
    return producerUrl;
  }

  public AwsSettings aws() {
    return aws;
  }

  public QueueUrls queues() {
    return queues;
  }

  public EmbeddedAwsStack stack() {
    return stack;
  }

  public FleetProcess producer() {
    return producer;
  }

  public synchronized List<FleetProcess> workers() {
    return List.copyOf(workers);
  }

  /** Samples every process's resident memory (call periodically while a run goes on). */
  public synchronized void sampleMemory() {
    producer.sampleRss();
    workers.forEach(FleetProcess::sampleRss);
  }

  /**
   * Throws when a run on this fleet can no longer progress: the producer exited, or every worker
   * has been gone for {@link #ALL_WORKERS_GONE_GRACE} (nothing restarts them, so a demo or sync would
   * otherwise watch a frozen run until its timeout, hours later). The grace covers a worker that is
   * killed and replaced (chaos). Call it periodically while a run goes on; a fleet started without
   * workers is not checked for them.
   */
  public synchronized void requireRunning() {
    if (!producer.isAlive()) {
      throw new IllegalStateException("the producer exited; see " + producer.log());
    }
    if (workers.isEmpty() || workers.stream().anyMatch(FleetProcess::isAlive)) {
      allWorkersGoneSince = 0;
      return;
    }
    long now = System.nanoTime();
    if (allWorkersGoneSince == 0) {
      allWorkersGoneSince = now;
    } else if (now - allWorkersGoneSince > ALL_WORKERS_GONE_GRACE.toNanos()) {
      String refusals =
          workers.stream().flatMap(worker -> worker.refusal().stream()).findFirst().map(refusal -> " (" + refusal + ")").orElse("");
      throw new IllegalStateException(
          "every worker exited" + refusals + ", so the run cannot finish; see "
              + options.stateDir().resolve("logs").resolve("worker-*.log"));
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // the hook is running or about to; it finds the fleet closed
      }
    }
    // All at once: each drains its targets for up to its shutdown grace (30 s by default), and
    // one after another N workers took N times that.
    long signalled = System.nanoTime();
    workers.forEach(FleetProcess::requestStop);
    if (producer != null) { // null when the constructor failed before making it
      producer.requestStop();
    }
    for (FleetProcess worker : workers) {
      worker.awaitStop(signalled + WORKER_STOP_GRACE.toNanos());
    }
    if (producer != null) {
      producer.awaitStop(signalled + PRODUCER_STOP_GRACE.toNanos());
    }
    stack.close();
  }

  /** Settings that point at the embedded stack. */
  public static AwsSettings settingsFor(EmbeddedAwsStack stack) {
    return new AwsSettings(
        stack.region(),
        stack.sqsEndpoint(),
        stack.s3Endpoint(),
        stack.dynamoEndpoint(),
        stack.accessKey(),
        stack.secretKey(),
        AwsSettings.DEFAULT_BUCKET,
        AwsSettings.DEFAULT_SNAPSHOT_PREFIX,
        AwsSettings.DEFAULT_QUEUE,
        AwsSettings.DEFAULT_DLQ,
        AwsSettings.DEFAULT_VERSIONS_TABLE,
        AwsSettings.DEFAULT_RUNS_TABLE);
  }

  /** The {@code storage-builder.aws.*} properties that reproduce {@code aws} in another process. */
  public static Map<String, String> awsProperties(AwsSettings aws) {
    Map<String, String> properties = new LinkedHashMap<>();
    String prefix = "storage-builder.aws.";
    properties.put(prefix + "region", aws.region());
    properties.put(prefix + "sqs-endpoint", aws.sqsEndpoint().toString());
    properties.put(prefix + "s3-endpoint", aws.s3Endpoint().toString());
    properties.put(prefix + "dynamodb-endpoint", aws.dynamoEndpoint().toString());
    properties.put(prefix + "access-key", aws.accessKey());
    properties.put(prefix + "secret-key", aws.secretKey());
    properties.put(prefix + "bucket", aws.bucket());
    properties.put(prefix + "snapshot-prefix", aws.snapshotPrefix());
    properties.put(prefix + "queue", aws.queueName());
    properties.put(prefix + "dlq", aws.dlqName());
    properties.put(prefix + "versions-table", aws.versionsTable());
    properties.put(prefix + "runs-table", aws.runsTable());
    return properties;
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free local port", e);
    }
  }
}
