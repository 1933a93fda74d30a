package dev.storagebuilder.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The queues, the bucket and the tables: encrypted, TLS-only, private, recoverable. */
class DataProtectionTest {
  private static final String RUN_LEDGER = "aws/src/main/java/dev/storagebuilder/aws/dynamo/DynamoRunLedger.java";
  private static final String VERSION_LEDGER = "aws/src/main/java/dev/storagebuilder/aws/dynamo/DynamoVersionLedger.java";

  private final TerraformConfig config = TerraformConfig.repository();
  private final TerraformConfig.Module queue = config.module("modules/queue");
  private final TerraformConfig.Module storage = config.module("modules/storage");
  private final TerraformConfig.Module ledger = config.module("modules/ledger");

  // --- bucket -------------------------------------------------------------------------------------

  @Test
  void bucketBlocksEveryKindOfPublicAccess() {
    Map<String, JsonNode> blocks = storage.resources("aws_s3_bucket_public_access_block");
    assertThat(blocks).hasSize(1);
    JsonNode block = blocks.values().iterator().next();
    assertThat(Hcl.text(block.path("bucket"))).isEqualTo("${aws_s3_bucket.snapshots.id}");
    for (String setting : List.of("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")) {
      assertThat(block.path(setting).asBoolean(false)).as(setting).isTrue();
    }
    assertThat(Hcl.block(storage.resource("aws_s3_bucket_ownership_controls", "snapshots"), "rule").path("object_ownership").asText())
        .isEqualTo("BucketOwnerEnforced");
  }

  @Test
  void bucketPolicyDeniesRequestsWithoutTls() {
    assertThat(Hcl.text(storage.resource("aws_s3_bucket_policy", "snapshots").path("policy")))
        .isEqualTo("${data.aws_iam_policy_document.bucket.json}");
    assertThat(deniesInsecureTransport(storage.dataSource("aws_iam_policy_document", "bucket"), "s3:*")).isTrue();
  }

  @Test
  void bucketIsEncryptedByDefaultWithKmsOrS3ManagedKeys() {
    JsonNode sse = storage.resource("aws_s3_bucket_server_side_encryption_configuration", "snapshots");
    JsonNode byDefault = Hcl.block(Hcl.block(sse, "rule"), "apply_server_side_encryption_by_default");
    assertThat(Hcl.text(byDefault.path("sse_algorithm"))).contains("\"AES256\"").contains("\"aws:kms\"");
    assertThat(Hcl.isReference(byDefault.path("kms_master_key_id"), "var.kms_key_arn")).isTrue();
  }

  @Test
  void bucketKeepsVersionsAndExpiresNoncurrentOnesAfterTheRetention() {
    JsonNode versioning = storage.resource("aws_s3_bucket_versioning", "snapshots");
    assertThat(Hcl.block(versioning, "versioning_configuration").path("status").asText()).isEqualTo("Enabled");

    List<JsonNode> rules = Hcl.blocks(storage.resource("aws_s3_bucket_lifecycle_configuration", "snapshots"), "rule");
    JsonNode expiry = rules.stream().filter(r -> r.has("noncurrent_version_expiration")).findFirst().orElseThrow();
    assertThat(expiry.path("status").asText()).isEqualTo("Enabled");
    assertThat(Hcl.isReference(Hcl.block(expiry, "filter").path("prefix"), "var.snapshot_prefix")).isTrue();
    assertThat(Hcl.isReference(Hcl.block(expiry, "noncurrent_version_expiration").path("noncurrent_days"), "var.noncurrent_version_retention_days"))
        .isTrue();
    assertThat(Hcl.isReference(config.module(".").moduleCall("storage").path("noncurrent_version_retention_days"), "var.snapshot_retention_days"))
        .isTrue();
  }

  /**
   * A live snapshot is a current object, however old: the base of a target that changes little is
   * years old and still read by every incremental sync. No rule may expire current objects (only the
   * delete markers the worker's deletes of retired objects leave) or move them to a storage class GetObject cannot read at once.
   */
  @Test
  void noLifecycleRuleExpiresOrArchivesCurrentObjects() {
    List<JsonNode> rules = Hcl.blocks(storage.resource("aws_s3_bucket_lifecycle_configuration", "snapshots"), "rule");
    assertThat(rules).isNotEmpty();
    for (JsonNode rule : rules) {
      String id = rule.path("id").asText();
      for (JsonNode expiration : Hcl.blocks(rule, "expiration")) {
        assertThat(expiration.has("days") || expiration.has("date")).as("rule %s expires current objects", id).isFalse();
      }
      assertThat(rule.has("transition")).as("rule %s moves current objects to another storage class", id).isFalse();
    }
  }

  @Test
  void bucketAbortsIncompleteMultipartUploadsAfterOneDay() {
    List<JsonNode> rules = Hcl.blocks(storage.resource("aws_s3_bucket_lifecycle_configuration", "snapshots"), "rule");
    JsonNode abort = rules.stream().filter(r -> r.has("abort_incomplete_multipart_upload")).findFirst().orElseThrow();
    assertThat(abort.path("status").asText()).isEqualTo("Enabled");
    assertThat(Hcl.block(abort, "abort_incomplete_multipart_upload").path("days_after_initiation").asInt()).isEqualTo(1);
    assertThat(Hcl.block(abort, "filter").path("prefix").isMissingNode()).as("applies to every key").isTrue();
  }

  // --- queues -------------------------------------------------------------------------------------

  @Test
  void everyQueueIsEncryptedWithSqsManagedKeysOrKms() {
    Map<String, JsonNode> queues = queue.resources("aws_sqs_queue");
    assertThat(queues).containsOnlyKeys("work", "dlq");
    queues.forEach((name, q) -> {
      assertThat(Hcl.isReference(q.path("kms_master_key_id"), "var.kms_key_arn")).as("%s kms_master_key_id", name).isTrue();
      assertThat(Hcl.text(q.path("sqs_managed_sse_enabled"))).as("%s sqs_managed_sse_enabled", name)
          .isEqualTo("${local.sse_sqs_managed ? true : null}");
    });
    assertThat(Hcl.text(queue.local("sse_sqs_managed"))).isEqualTo("${var.kms_key_arn == null}");
  }

  @Test
  void everyQueuePolicyDeniesRequestsWithoutTls() {
    JsonNode tlsOnly = queue.dataSource("aws_iam_policy_document", "tls_only");
    assertThat(deniesInsecureTransport(tlsOnly, "sqs:*")).isTrue();
    assertThat(tlsOnly.path("for_each").path("work").asText()).isEqualTo("${aws_sqs_queue.work.arn}");
    assertThat(tlsOnly.path("for_each").path("dlq").asText()).isEqualTo("${aws_sqs_queue.dlq.arn}");
    Map<String, JsonNode> policies = queue.resources("aws_sqs_queue_policy");
    assertThat(Hcl.text(policies.get("work").path("queue_url"))).isEqualTo("${aws_sqs_queue.work.id}");
    assertThat(Hcl.text(policies.get("work").path("policy"))).isEqualTo("${data.aws_iam_policy_document.tls_only[\"work\"].json}");
    assertThat(Hcl.text(policies.get("dlq").path("queue_url"))).isEqualTo("${aws_sqs_queue.dlq.id}");
    assertThat(Hcl.text(policies.get("dlq").path("policy"))).isEqualTo("${data.aws_iam_policy_document.tls_only[\"dlq\"].json}");
  }

  @Test
  void workQueueDeadLettersAfterTheConfiguredNumberOfReceives() {
    String redrive = Hcl.text(queue.resource("aws_sqs_queue", "work").path("redrive_policy")).replaceAll("\\s+", " ");
    assertThat(redrive).contains("deadLetterTargetArn = aws_sqs_queue.dlq.arn").contains("maxReceiveCount = var.max_receive_count");
    assertThat(Hcl.isReference(config.module(".").moduleCall("queue").path("max_receive_count"), "var.max_receive_count")).isTrue();
  }

  @Test
  void deadLetterQueueKeepsMessagesFourteenDaysAndTakesThemOnlyFromTheWorkQueue() {
    assertThat(Hcl.text(queue.resource("aws_sqs_queue", "dlq").path("message_retention_seconds"))).isEqualTo("${local.dlq_retention_seconds}");
    assertThat(queue.local("dlq_retention_seconds").asInt()).isEqualTo(14 * 24 * 3600);
    JsonNode allow = queue.resource("aws_sqs_queue_redrive_allow_policy", "dlq");
    assertThat(Hcl.text(allow.path("queue_url"))).isEqualTo("${aws_sqs_queue.dlq.id}");
    assertThat(Hcl.text(allow.path("redrive_allow_policy")).replaceAll("\\s+", " "))
        .contains("redrivePermission = \"byQueue\"")
        .contains("sourceQueueArns = [aws_sqs_queue.work.arn]");
  }

  @Test
  void workQueueLongPollsAndLeasesForTheWorkersLease() {
    JsonNode work = queue.resource("aws_sqs_queue", "work");
    assertThat(Hcl.isReference(work.path("receive_wait_time_seconds"), "var.receive_wait_time_seconds")).isTrue();
    assertThat(queue.variable("receive_wait_time_seconds").path("default").asInt()).isEqualTo(20);
    assertThat(Hcl.isReference(work.path("visibility_timeout_seconds"), "var.visibility_timeout_seconds")).isTrue();
    assertThat(Hcl.isReference(config.module(".").moduleCall("queue").path("visibility_timeout_seconds"), "var.worker_lease_seconds")).isTrue();
    assertThat(Hcl.isReference(config.module(".").moduleCall("services").path("worker_lease_seconds"), "module.queue.visibility_timeout_seconds"))
        .isTrue();
  }

  // --- tables -------------------------------------------------------------------------------------

  @Test
  void tablesAreOnDemandEncryptedAndPointInTimeRecoverable() {
    Map<String, JsonNode> tables = ledger.resources("aws_dynamodb_table");
    assertThat(tables).containsOnlyKeys("versions", "runs");
    tables.forEach((name, table) -> {
      assertThat(table.path("billing_mode").asText()).as("%s billing_mode", name).isEqualTo("PAY_PER_REQUEST");
      assertThat(Hcl.block(table, "point_in_time_recovery").path("enabled").asBoolean(false)).as("%s PITR", name).isTrue();
      JsonNode sse = Hcl.block(table, "server_side_encryption");
      assertThat(sse.path("enabled").asBoolean(false)).as("%s encryption", name).isTrue();
      assertThat(Hcl.isReference(sse.path("kms_key_arn"), "var.kms_key_arn")).as("%s kms key", name).isTrue();
    });
  }

  /**
   * The key schema and the TTL attribute are the adapters' attribute names, read from their sources:
   * the emulators take whatever the code creates, so a renamed attribute passes every test and
   * fails every read and write against the tables Terraform made.
   */
  @Test
  void tablesHaveTheKeysTheAdaptersUse() throws IOException {
    JsonNode versions = ledger.resource("aws_dynamodb_table", "versions");
    assertThat(Hcl.text(versions.path("hash_key"))).isEqualTo("${local.versions_hash_key}");
    assertThat(versions.has("range_key")).isFalse();
    assertThat(ledger.local("versions_hash_key").asText()).isEqualTo(constantOf(VERSION_LEDGER, "TARGET"));
    JsonNode runs = ledger.resource("aws_dynamodb_table", "runs");
    assertThat(Hcl.text(runs.path("hash_key"))).isEqualTo("${local.runs_hash_key}");
    assertThat(Hcl.text(runs.path("range_key"))).isEqualTo("${local.runs_range_key}");
    assertThat(ledger.local("runs_hash_key").asText()).isEqualTo(constantOf(RUN_LEDGER, "PK"));
    assertThat(ledger.local("runs_range_key").asText()).isEqualTo(constantOf(RUN_LEDGER, "SK"));
    assertThat(Hcl.blocks(runs, "attribute")).extracting(a -> a.path("type").asText()).containsOnly("S");
    // No secondary index: the adapters query the tables' own keys only.
    assertThat(Files.readString(Repository.ROOT.resolve(RUN_LEDGER)) + Files.readString(Repository.ROOT.resolve(VERSION_LEDGER)))
        .doesNotContain("indexName(");
  }

  @Test
  void runsTableExpiresOldRunsByTtlOnExpiresAt() throws IOException {
    JsonNode ttl = Hcl.block(ledger.resource("aws_dynamodb_table", "runs"), "ttl");
    assertThat(ttl.path("enabled").asBoolean(false)).isTrue();
    assertThat(Hcl.text(ttl.path("attribute_name"))).isEqualTo("${local.runs_ttl_attribute}");
    assertThat(ledger.local("runs_ttl_attribute").asText()).isEqualTo(constantOf(RUN_LEDGER, "EXPIRES_AT"));
  }

  /** The value of {@code static final String NAME = "...";} in a source file. */
  private static String constantOf(String source, String name) throws IOException {
    Matcher found = Pattern.compile("static final String " + name + " = \"([^\"]*)\";")
        .matcher(Files.readString(Repository.ROOT.resolve(source)));
    assertThat(found.find()).as("%s declares %s", source, name).isTrue();
    return found.group(1);
  }

  private static boolean deniesInsecureTransport(JsonNode document, String actions) {
    return Hcl.blocks(document, "statement").stream().anyMatch(statement ->
        statement.path("effect").asText().equals("Deny")
            && Hcl.strings(statement.path("actions")).contains(actions)
            && Hcl.blocks(statement, "condition").stream().anyMatch(c ->
                c.path("test").asText().equals("Bool")
                    && c.path("variable").asText().equals("aws:SecureTransport")
                    && Hcl.strings(c.path("values")).equals(List.of("false")))
            && Hcl.blocks(statement, "principals").stream().anyMatch(p -> Hcl.strings(p.path("identifiers")).contains("*")));
  }
}
