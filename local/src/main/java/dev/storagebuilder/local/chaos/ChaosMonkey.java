package dev.storagebuilder.local.chaos;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.storagebuilder.aws.config.AwsClients;
import dev.storagebuilder.common.ids.TargetRef;
import dev.storagebuilder.common.json.Json;
import dev.storagebuilder.common.message.SyncMode;
import dev.storagebuilder.common.message.TargetMessage;
import dev.storagebuilder.common.message.TargetMessageCodec;
import dev.storagebuilder.local.fleet.FleetProcess;
import dev.storagebuilder.local.fleet.LocalFleet;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;

/**
 * {@code ./sb demo --chaos}: while a run goes on, SIGKILLs and restarts workers at random, cuts the
 * source database off for {@link #DB_OUTAGE}, makes S3 answer 503 for a few seconds and sends
 * duplicate copies of target messages. Reports what it did for the summary.
 */
public final class ChaosMonkey implements AutoCloseable {
  public static final Duration DB_OUTAGE = Duration.ofSeconds(20);
  private static final Duration S3_FAULT = Duration.ofSeconds(4);

  private final LocalFleet fleet;
  private final TcpProxy database;
  private final TcpProxy s3;
  private final RandomGenerator random;
  private final PrintStream out;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicInteger workersKilled = new AtomicInteger();
  private final AtomicInteger duplicates = new AtomicInteger();
  private volatile long dbOutageMillis;
  private Thread thread;

  public ChaosMonkey(LocalFleet fleet, TcpProxy database, TcpProxy s3, RandomGenerator random, PrintStream out) {
    this.fleet = fleet;
    this.database = database;
    this.s3 = s3;
    this.random = random;
    this.out = out;
  }

  /** Starts the chaos for run {@code runId} over the given targets. */
  public void start(String runId, List<TargetRef> targets) {
    thread = Thread.ofPlatform().name("chaos").daemon(true).start(() -> play(runId, targets));
  }

  private void play(String runId, List<TargetRef> targets) {
    try (AwsClients aws = new AwsClients(fleet.aws())) {
      pause(Duration.ofMillis(500));
      for (int i = 0; i < Math.min(10, targets.size()) && !stop.get(); i++) {
        TargetRef ref = targets.get(random.nextInt(targets.size()));
        String body = TargetMessageCodec.encode(TargetMessage.of(runId, ref, SyncMode.FULL, Instant.now()));
        aws.sqs().sendMessage(b -> b.queueUrl(fleet.queues().queueUrl()).messageBody(body));
        duplicates.incrementAndGet();
      }
      say("sent " + duplicates.get() + " duplicate messages");
      killOne();
      // S3 first, while the workers are busy writing; the database outage pauses them afterwards.
      s3.failHttp(503);
      say("S3 answering 503 for " + S3_FAULT.toSeconds() + " s");
      pause(S3_FAULT);
      s3.restore();
      say("S3 back (" + s3.httpFailuresInjected() + " errors answered)");
      if (stop.get()) {
        return;
      }
      database.cutOff();
      say("source database unreachable for " + DB_OUTAGE.toSeconds() + " s");
      long outageStart = System.nanoTime();
      pause(DB_OUTAGE.dividedBy(2));
      killOne();
      pause(DB_OUTAGE.dividedBy(2));
      database.restore();
      dbOutageMillis = (System.nanoTime() - outageStart) / 1_000_000;
      say("source database back");
      killOne();
    } catch (RuntimeException e) {
      say("chaos stopped early: " + e);
    } finally {
      database.restore();
      s3.restore();
    }
  }

  private void killOne() {
    if (stop.get()) {
      return;
    }
    List<FleetProcess> alive = fleet.workers().stream().filter(FleetProcess::isAlive).toList();
    if (alive.isEmpty()) {
      return;
    }
    FleetProcess victim = alive.get(random.nextInt(alive.size()));
    victim.kill();
    workersKilled.incrementAndGet();
    try {
      FleetProcess replacement = fleet.addWorker();
      say("SIGKILLed " + victim.name() + ", started " + replacement.name());
    } catch (java.io.IOException e) {
      say("SIGKILLed " + victim.name() + ", could not start a replacement: " + e);
    }
  }

  private void pause(Duration duration) {
    long until = System.nanoTime() + duration.toNanos();
    while (!stop.get() && System.nanoTime() < until) {
      LockSupport.parkNanos(Math.min(until - System.nanoTime(), 100_000_000L));
    }
  }

  private void say(String line) {
    out.println("  [chaos] " + line);
  }

  /** Ends the chaos (the run finished), heals every fault, and waits for the chaos thread. */
  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    if (thread != null) {
      thread.join(30_000);
    }
    database.restore();
    s3.restore();
  }

  public ObjectNode summary() {
    ObjectNode json = Json.mapper().createObjectNode();
    json.put("workersKilled", workersKilled.get());
    json.put("dbOutageSeconds", Math.round(dbOutageMillis / 100.0) / 10.0);
    json.put("s3FaultsInjected", s3.httpFailuresInjected());
    json.put("duplicatesInjected", duplicates.get());
    return json;
  }
}
