# syntax=docker/dockerfile:1
#
# Storage Builder producer: the admin HTTP service: fans a run out into one SQS message per client/target.
# Build from the repository root after `mvn -B package` made the fat jar:
#   docker build -f docker/producer.Dockerfile -t storage-builder/producer:$VERSION .
# Base images are pinned to a Temurin release; bump both stages together.

FROM eclipse-temurin:21.0.8_9-jdk-noble AS build
WORKDIR /build
COPY producer/target/producer-0.1.0-SNAPSHOT.jar app.jar
# Fail the image build, not the deployment, when the artifact is not a runnable fat jar.
RUN jar xf app.jar META-INF/MANIFEST.MF \
    && grep -q '^Main-Class:' META-INF/MANIFEST.MF

FROM eclipse-temurin:21.0.8_9-jre-noble
LABEL org.opencontainers.image.title="storage-builder-producer" \
      org.opencontainers.image.description="Storage Builder producer"

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
EXPOSE 8080

# wget ships with the eclipse-temurin image; ECS runs the same command as its container health check.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD wget -qO- http://127.0.0.1:8080/health > /dev/null || exit 1

# Container-aware memory from the measured budget: the heap takes 60 % of the container's memory,
# leaving the rest to direct buffers (multipart upload parts), metaspace and threads. An
# OutOfMemoryError ends the process so ECS replaces the task instead of leaving it limping.
# C1 only: the producer's work is I/O and framework code, and C2 compiling it competed with the
# enqueue burst for the cores (producer CPU for 10,000 targets 0.55-0.86 s instead of 0.94-1.20 s).
# Extra JVM flags go in JAVA_TOOL_OPTIONS (read by the JVM itself, no shell needed).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=60", "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1", "-jar", "/app/app.jar"]
