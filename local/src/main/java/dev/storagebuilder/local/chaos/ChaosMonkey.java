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
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

/**
 * {@code ./sb demo --chaos}: while a run goes on, sends duplicate target messages, SIGKILLs and
 * restarts workers, makes S3 answer 503 for a few seconds and then cuts the source database off
 * for {@link ChaosSettings#dbOutage()}. Reports what it did for the summary.
 *
 * <p>The schedule is tied to the run, not to the clock, so every fault fires however small the
 * run: S3 fails from the moment the workers first reach it, and no target can finish while S3
 * fails, so the run is still going when the database outage starts right after.
 */
public final class ChaosMonkey implements AutoCloseable {
  private final LocalFleet fleet;
  private final TcpProxy database;
  private final TcpProxy s3;
  private final ChaosSettings settings;
  private final RandomGenerator random;
  private final PrintStream out;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicInteger workersKilled = new AtomicInteger();
  private final AtomicInteger duplicates = new AtomicInteger();
  private volatile long dbOutageMillis;
  private Thread thread;

  public ChaosMonkey(
      LocalFleet fleet, TcpProxy database, TcpProxy s3, ChaosSettings settings, RandomGenerator random, PrintStream out) {
    this.fleet = fleet;
    this.database = database;
    this.s3 = s3;
    this.settings = settings;
    this.random = random;
    this.out = out;
  }

  /** Starts the chaos for run {@code runId} over the given targets. */
  public void start(String runId, List<TargetRef> targets) {
    thread = Thread.ofPlatform().name("chaos").daemon(true).start(() -> play(runId, targets));
  }

  private void play(String runId, List<TargetRef> targets) {
    try (AwsClients aws = new AwsClients(fleet.aws())) {
      for (int i = 0; i < settings.duplicates() && !targets.isEmpty() && !stop.get(); i++) {
        TargetRef ref = targets.get(random.nextInt(targets.size()));
        String body = TargetMessageCodec.encode(TargetMessage.of(runId, ref, SyncMode.FULL, Instant.now()));
        aws.sqs().sendMessage(b -> b.queueUrl(fleet.queues().queueUrl()).messageBody(body));
        duplicates.incrementAndGet();
      }
      say("sent " + duplicates.get() + " duplicate messages");
      // Workers start alongside the run; faults before their first write would hit nobody.
      pauseUntil(() -> s3.connectionsForwarded() > 0, Duration.ofMinutes(5));
      if (stop.get()) {
        return;
      }
      s3.failHttp(503);
      say("S3 answering 503 for " + settings.s3Fault().toSeconds() + " s");
      killOne();
      pause(settings.s3Fault());
      // On a loaded machine the writes may lag; hold the fault until one met it, at most as long again.
      pauseUntil(() -> s3.httpFailuresInjected() > 0, settings.s3Fault());
      s3.restore();
      say("S3 back (" + s3.httpFailuresInjected() + " errors answered)");
      if (stop.get()) {
        return;
      }
      database.cutOff();
      say("source database unreachable for " + settings.dbOutage().toSeconds() + " s");
      long outageStart = System.nanoTime();
      pause(settings.dbOutage().dividedBy(2));
      killOne();
      pause(settings.dbOutage().dividedBy(2));
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
    pauseUntil(() -> false, duration);
  }

  /** Waits until {@code done}, the run ends or {@code atMost} passed. */
  private void pauseUntil(BooleanSupplier done, Duration atMost) {
    long until = System.nanoTime() + atMost.toNanos();
    while (!stop.get() && !done.getAsBoolean() && System.nanoTime() < until) {
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
