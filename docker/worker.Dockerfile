# syntax=docker/dockerfile:1
#
# Storage Builder worker, stateless: SQS -> JDBC source -> Parquet on S3 -> DynamoDB commit.
# Build from the repository root after `mvn -B package` made the fat jar:
#   docker build -f docker/worker.Dockerfile -t storage-builder/worker:$VERSION .
# Base images are pinned to a Temurin release; bump both stages together.

FROM eclipse-temurin:21.0.8_9-jdk-noble AS build
WORKDIR /build
COPY worker/target/worker-0.1.0-SNAPSHOT.jar app.jar
# Fail the image build, not the deployment, when the artifact is not a runnable fat jar.
RUN jar xf app.jar META-INF/MANIFEST.MF \
    && grep -q '^Main-Class:' META-INF/MANIFEST.MF

FROM eclipse-temurin:21.0.8_9-jre-noble
LABEL org.opencontainers.image.title="storage-builder-worker" \
      org.opencontainers.image.description="Storage Builder worker"

# A fixed, unprivileged uid/gid, so orchestrators can verify runAsNonRoot.
RUN groupadd --system --gid 10001 storagebuilder \
    && useradd --system --uid 10001 --gid storagebuilder --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin storagebuilder

WORKDIR /app
COPY --from=build --chown=root:root --chmod=0444 /build/app.jar /app/app.jar

# The task's root filesystem is read-only on ECS; /tmp is its one writable path. Declared as a
# volume so the bind mount ECS puts there keeps the image's permissions (1777) instead of root-only.
VOLUME ["/tmp"]

USER 10001:10001
EXPOSE 8081

# wget ships with the eclipse-temurin image; ECS runs the same command as its container health check.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD wget -qO- http://127.0.0.1:8081/health/liveness > /dev/null || exit 1

# Container-aware memory from the measured budget: the heap takes 60 % of the container's memory,
# leaving the rest to direct buffers (multipart upload parts), metaspace and threads. An
# OutOfMemoryError ends the process so ECS replaces the task instead of leaving it limping.
# Extra JVM flags go in JAVA_TOOL_OPTIONS (read by the JVM itself, no shell needed).
# Resident memory outside the heap, as in the local fleet (local/fleet/FleetProcess): glibc gets two
# malloc arenas instead of up to 8 per core, and freed native memory (C2's compile arenas) goes
# back to the OS every second instead of adding to the container's peak. G1 starts small, grows only
# when GC takes over 5 % of the time and gives heap back after marking (see FleetProcess for the
# measurements); SerialGC, which the JVM picks in small containers, touches the whole heap.
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=60", "-XX:+UseG1GC", "-Xms32m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:GCTimeRatio=19", "-XX:G1HeapRegionSize=2m", "-XX:+ExitOnOutOfMemoryError", "-XX:TrimNativeHeapInterval=1000", "-jar", "/app/app.jar"]
