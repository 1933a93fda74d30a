package dev.storagebuilder.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.storagebuilder.deploy.IamStatements.Statement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Least privilege: named actions on named resources, with exactly the documented exceptions. */
class IamPolicyTest {
  /**
   * The only actions that may be allowed on Resource "*": AWS has no resource-level permission for
   * them. Each is documented where it is granted (terraform/modules/services/iam.tf).
   */
  enum WildcardResourceException {
    ECR_LOGIN_TOKEN("ecr:GetAuthorizationToken", Optional.empty()),
    PUT_METRIC_DATA("cloudwatch:PutMetricData", Optional.of("cloudwatch:namespace"));

    final String action;
    final Optional<String> requiredConditionKey;

    WildcardResourceException(String action, Optional<String> requiredConditionKey) {
      this.action = action;
      this.requiredConditionKey = requiredConditionKey;
    }
  }

  /**
   * The adapters a worker calls AWS through, read for the calls they make: the emulators have no
   * IAM, so a call the code starts making passes every test and is refused in production.
   */
  private static final String RUN_LEDGER = "aws/src/main/java/dev/storagebuilder/aws/dynamo/DynamoRunLedger.java";
  private static final String VERSION_LEDGER = "aws/src/main/java/dev/storagebuilder/aws/dynamo/DynamoVersionLedger.java";
  /** The worker's wiring and readiness probes call the clients directly too. */
  private static final String WORKER_FACTORY = "worker/src/main/java/dev/storagebuilder/worker/app/WorkerFactory.java";
  private static final String WORKER_READINESS = "worker/src/main/java/dev/storagebuilder/worker/app/ReadinessChecks.java";
  private static final String SOURCE_SLOTS = "aws/src/main/java/dev/storagebuilder/aws/dynamo/DynamoSourceSlots.java";
  private static final List<String> WORKER_DYNAMODB_ADAPTERS = List.of(RUN_LEDGER, VERSION_LEDGER, SOURCE_SLOTS, WORKER_FACTORY, WORKER_READINESS);
  private static final List<String> WORKER_SQS_ADAPTERS = List.of(
      "worker/src/main/java/dev/storagebuilder/worker/sqs/SqsAcknowledger.java",
      "worker/src/main/java/dev/storagebuilder/worker/sqs/SqsMessageSource.java",
      "worker/src/main/java/dev/storagebuilder/worker/sqs/BatchingDeleter.java",
      "worker/src/main/java/dev/storagebuilder/worker/sqs/QueueRedrive.java", WORKER_FACTORY, WORKER_READINESS);
  private static final List<String> WORKER_S3_ADAPTERS = List.of(
      "aws/src/main/java/dev/storagebuilder/aws/s3/S3ObjectStore.java",
      "aws/src/main/java/dev/storagebuilder/aws/s3/MultipartObjectOutput.java",
      "aws/src/main/java/dev/storagebuilder/aws/s3/RangedS3Object.java", WORKER_FACTORY, WORKER_READINESS);
  private static final String PRODUCER_SQS = "producer/src/main/java/dev/storagebuilder/producer/sqs/";
  private static final List<String> PRODUCER_SQS_WORK_QUEUE = List.of(PRODUCER_SQS + "SqsWorkQueue.java",
      "aws/src/main/java/dev/storagebuilder/aws/sqs/SqsBatchSender.java");
  private static final List<String> PRODUCER_SQS_DEAD_LETTER_QUEUE = List.of(PRODUCER_SQS + "SqsDeadLetterQueue.java");
  private static final List<String> PRODUCER_SQS_BOTH_QUEUES =
      List.of(PRODUCER_SQS + "QueueLocator.java", PRODUCER_SQS + "QueueGauges.java");
  /** The IAM action that authorizes each S3 operation the worker calls. */
  private static final Map<String, String> S3_ACTION_OF = Map.ofEntries(
      Map.entry("putObject", "s3:PutObject"),
      Map.entry("createMultipartUpload", "s3:PutObject"),
      Map.entry("uploadPart", "s3:PutObject"),
      Map.entry("completeMultipartUpload", "s3:PutObject"),
      Map.entry("abortMultipartUpload", "s3:AbortMultipartUpload"),
      Map.entry("getObject", "s3:GetObject"),
      Map.entry("getObjectAsBytes", "s3:GetObject"),
      Map.entry("headObject", "s3:GetObject"),
      Map.entry("deleteObject", "s3:DeleteObject"),
      // DeleteObjects has no IAM action of its own: S3 checks s3:DeleteObject on each key.
      Map.entry("deleteObjects", "s3:DeleteObject"),
      Map.entry("listObjectsV2", "s3:ListBucket"),
      Map.entry("listObjectsV2Paginator", "s3:ListBucket"));
  /** {@code S3ObjectStore.ensureBucket}: local stacks only (production buckets come from Terraform). */
  private static final Set<String> S3_CALLS_NOT_ON_A_WORKERS_PATH =
      Set.of("headBucket", "createBucket", "serviceClientConfiguration");
  /** {@code VersionLedger.all()}: the producer's and the CLI's listing, never called by a worker. */
  private static final Set<String> NOT_ON_A_WORKERS_PATH = Set.of("dynamodb:Scan");

  private final TerraformConfig config = TerraformConfig.repository();
  private final List<Statement> statements = IamStatements.of(config);

  /** The rules, applicable to any parsed configuration (so their own failure cases can be tested). */
  static List<String> wildcardViolations(List<Statement> statements) {
    List<String> violations = new ArrayList<>();
    for (Statement statement : statements) {
      if (!statement.allows()) {
        continue; // Deny "sqs:*" / "s3:*" without TLS is how a resource policy enforces TLS.
      }
      if (!statement.hasLiteralActions()) {
        violations.add(statement.where() + ": actions must be literal so they can be checked");
      }
      statement.actions().stream()
          .filter(action -> action.contains("*"))
          .forEach(action -> violations.add(statement.where() + ": wildcard action " + action));
      if (statement.resources().contains("*")) {
        for (String action : statement.actions()) {
          Optional<WildcardResourceException> exception = exceptionFor(action);
          if (exception.isEmpty()) {
            violations.add(statement.where() + ": " + action + " on Resource \"*\" is not a documented exception");
          } else if (exception.get().requiredConditionKey.isPresent()
              && !statement.hasConditionOn(exception.get().requiredConditionKey.get())) {
            violations.add(statement.where() + ": " + action + " on \"*\" needs a condition on " + exception.get().requiredConditionKey.get());
          }
        }
      }
    }
    return violations;
  }

  private static Optional<WildcardResourceException> exceptionFor(String action) {
    for (WildcardResourceException exception : WildcardResourceException.values()) {
      if (exception.action.equals(action)) {
        return Optional.of(exception);
      }
    }
    return Optional.empty();
  }

  @Test
  void policyDocumentsWereFound() {
    assertThat(statements).as("IAM statements parsed from terraform/").hasSizeGreaterThan(15);
  }

  @Test
  void noStatementAllowsWildcardActionsAndStarResourcesAreOnlyTheDocumentedExceptions() {
    assertThat(wildcardViolations(statements)).isEmpty();
  }

  @Test
  void theDocumentedExceptionsAreGrantedAndNothingElseUsesStar() {
    Set<String> actionsOnStar =
        statements.stream()
            .filter(Statement::allows)
            .filter(s -> s.resources().contains("*"))
            .flatMap(s -> s.actions().stream())
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(actionsOnStar).containsExactlyInAnyOrder("cloudwatch:PutMetricData", "ecr:GetAuthorizationToken");
  }

  @Test
  void theRulesRejectWildcardActionsUndocumentedStarResourcesAndUnconditionedMetrics(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("bad.tf"), """
        data "aws_iam_policy_document" "bad" {
          statement {
            actions   = ["s3:*"]
            resources = ["arn:aws:s3:::b/*"]
          }
          statement {
            actions   = ["sqs:SendMessage"]
            resources = ["*"]
          }
          statement {
            actions   = ["cloudwatch:PutMetricData"]
            resources = ["*"]
          }
          dynamic "statement" {
            for_each = [1]
            content {
              actions   = ["*"]
              resources = ["arn:aws:sqs:us-east-1:123456789012:q"]
            }
          }
        }
        """);
    List<String> violations = wildcardViolations(IamStatements.of(TerraformConfig.parse(dir)));
    assertThat(violations)
        .anyMatch(v -> v.contains("wildcard action s3:*"))
        .anyMatch(v -> v.contains("sqs:SendMessage on Resource \"*\" is not a documented exception"))
        .anyMatch(v -> v.contains("cloudwatch:PutMetricData on \"*\" needs a condition on cloudwatch:namespace"))
        .anyMatch(v -> v.contains("wildcard action *"));
  }

  @Test
  void everyIamAndResourcePolicyIsAnInspectablePolicyDocument() {
    Map<String, String> policyAttributes = Map.of(
        "aws_iam_role", "assume_role_policy",
        "aws_iam_role_policy", "policy",
        "aws_sqs_queue_policy", "policy",
        "aws_s3_bucket_policy", "policy");
    List<String> problems = new ArrayList<>();
    config.modules().forEach((path, module) -> {
      for (String forbidden : List.of("aws_iam_policy", "aws_iam_role_policy_attachment", "aws_iam_policy_attachment")) {
        module.resources(forbidden).keySet().forEach(name ->
            problems.add("terraform/" + path + ": " + forbidden + "." + name + " (managed policies cannot be checked here)"));
      }
      policyAttributes.forEach((type, attribute) -> module.resources(type).forEach((name, resource) -> {
        String policy = Hcl.text(resource.path(attribute));
        if (!policy.matches("\\$\\{data\\.aws_iam_policy_document\\.[a-z0-9_]+(\\[\"[a-z0-9_-]+\"])?\\.json}")) {
          problems.add("terraform/" + path + ": " + type + "." + name + "." + attribute + " = " + policy);
        }
        if (resource.has("managed_policy_arns") || resource.has("inline_policy")) {
          problems.add("terraform/" + path + ": " + type + "." + name + " attaches policies outside a policy document");
        }
      }));
    });
    assertThat(problems).isEmpty();
  }

  @Test
  void workerTaskRoleHoldsExactlyTheWorkersPermissions() {
    assertThat(actionsOf("worker_task")).containsExactlyInAnyOrder(
        "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListBucket",
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
        "dynamodb:BatchWriteItem", "dynamodb:DescribeTable",
        "kms:Decrypt", "kms:GenerateDataKey",
        "cloudwatch:PutMetricData");
  }

  @Test
  void workerRoleAllowsEveryDynamoDbCallOfTheLedgersItUses() throws IOException {
    Set<String> called = actionsCalled("dynamo", "dynamodb", WORKER_DYNAMODB_ADAPTERS);
    called.removeAll(NOT_ON_A_WORKERS_PATH);

    assertThat(called).as("DynamoDB calls in %s", WORKER_DYNAMODB_ADAPTERS)
        .contains("dynamodb:BatchGetItem", "dynamodb:DescribeTable");
    Set<String> allowed = new TreeSet<>(servicesStatement("worker_task", "CommitVersions").actions());
    allowed.addAll(servicesStatement("worker_task", "RecordProgressAndTakeSourceSlots").actions());
    assertThat(allowed).containsAll(called);
  }

  /** The producer tracks runs and reads versions through the same adapters; committing a version is the worker's. */
  @Test
  void producerRoleAllowsEveryDynamoDbCallOfTheLedgersItUses() throws IOException {
    Set<String> runCalls = actionsCalled("dynamo", "dynamodb", List.of(RUN_LEDGER));
    Set<String> versionCalls = actionsCalled("dynamo", "dynamodb", List.of(VERSION_LEDGER));
    versionCalls.remove("dynamodb:PutItem");

    assertThat(versionCalls).contains("dynamodb:Scan", "dynamodb:BatchGetItem");
    assertThat(servicesStatement("producer_task", "TrackRuns").actions()).containsAll(runCalls);
    assertThat(servicesStatement("producer_task", "ReadVersions").actions()).containsAll(versionCalls);
  }

  /** Every SQS call of the worker's adapter may go to the work queue: a postponed target is sent back there. */
  @Test
  void workerRoleAllowsEverySqsCallOfItsQueueAdapterOnTheWorkQueue() throws IOException {
    Set<String> called = actionsCalled("sqs", "sqs", WORKER_SQS_ADAPTERS);

    assertThat(called).as("SQS calls in %s", WORKER_SQS_ADAPTERS)
        .contains("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:GetQueueUrl");
    Statement workQueue = servicesStatement("worker_task", "ConsumeWorkQueue");
    assertThat(workQueue.resources()).containsExactly("${var.queue_arn}");
    assertThat(workQueue.actions()).containsAll(called);
  }

  /**
   * The producer's SQS calls, each against the statement of the queue it goes to: enqueueing (and a
   * filtered redrive, which sends through the same adapter) to the work queue, inspecting and
   * redriving to the dead-letter queue, locating and gauging to both.
   */
  @Test
  void producerRoleAllowsEverySqsCallOnTheQueueItGoesTo() throws IOException {
    Set<String> bothQueues = actionsCalled("sqs", "sqs", PRODUCER_SQS_BOTH_QUEUES);
    Set<String> workQueue = actionsCalled("sqs", "sqs", PRODUCER_SQS_WORK_QUEUE);
    workQueue.addAll(bothQueues);
    Set<String> deadLetters = actionsCalled("sqs", "sqs", PRODUCER_SQS_DEAD_LETTER_QUEUE);
    deadLetters.addAll(bothQueues);

    assertThat(workQueue).as("SQS calls in %s", PRODUCER_SQS_WORK_QUEUE).contains("sqs:SendMessage", "sqs:GetQueueUrl");
    assertThat(deadLetters).as("SQS calls in %s", PRODUCER_SQS_DEAD_LETTER_QUEUE)
        .contains("sqs:ReceiveMessage", "sqs:StartMessageMoveTask");
    Statement enqueue = servicesStatement("producer_task", "EnqueueTargets");
    assertThat(enqueue.resources()).containsExactly("${var.queue_arn}");
    assertThat(enqueue.actions()).containsAll(workQueue);
    Statement inspect = servicesStatement("producer_task", "InspectAndRedriveDeadLetters");
    assertThat(inspect.resources()).containsExactly("${var.dlq_arn}");
    assertThat(inspect.actions()).containsAll(deadLetters);
    // A move task sends what it takes from the dead-letter queue to the work queue on the caller's behalf.
    assertThat(enqueue.actions()).contains("sqs:SendMessage");
  }

  /**
   * With a customer key, SQS, S3 and DynamoDB encrypt with it on the caller's behalf: a role that
   * may not use that very key is refused every message, object and item. The root passes one key to
   * the queues, the bucket, the tables and both task roles.
   */
  @Test
  void theTaskRolesMayUseTheKeyThatEncryptsQueuesBucketAndTables() {
    TerraformConfig.Module root = config.module(".");
    for (String data : List.of("queue", "storage", "ledger")) {
      assertThat(Hcl.isReference(root.moduleCall(data).path("kms_key_arn"), "var.kms_key_arn")).as("%s's key", data).isTrue();
    }
    assertThat(Hcl.isReference(root.moduleCall("services").path("data_kms_key_arns"), "local.data_kms_key_arns")).isTrue();
    assertThat(Hcl.text(root.local("data_kms_key_arns"))).isEqualTo("${var.kms_key_arn == null ? [] : [var.kms_key_arn]}");
    for (String role : List.of("worker_task", "producer_task")) {
      Statement dataKeys = servicesStatement(role, "UseDataKeys");
      assertThat(dataKeys.resources()).as(role).containsExactly("${var.data_kms_key_arns}");
      assertThat(dataKeys.actions()).as(role).containsExactlyInAnyOrder("kms:Decrypt", "kms:GenerateDataKey");
    }
  }

  /** S3's operations are authorized by actions of other names; an operation not listed here fails the test. */
  @Test
  void workerRoleAllowsEveryS3CallOfItsObjectStore() throws IOException {
    Set<String> called = operationsCalled("s3", WORKER_S3_ADAPTERS);
    called.removeAll(S3_CALLS_NOT_ON_A_WORKERS_PATH);

    assertThat(called).as("S3 calls in %s", WORKER_S3_ADAPTERS).contains("uploadPart", "getObject");
    assertThat(S3_ACTION_OF.keySet()).as("every S3 call has its IAM action listed here").containsAll(called);
    Set<String> allowed = new TreeSet<>(servicesStatement("worker_task", "ReadWriteSnapshots").actions());
    allowed.addAll(servicesStatement("worker_task", "ListSnapshots").actions());
    assertThat(allowed).containsAll(called.stream().map(S3_ACTION_OF::get).toList());
  }

  /**
   * Least privilege the other way round: each statement of a task role grants exactly the actions its
   * code calls on that statement's resources, per queue, per table and for objects apart from the
   * listing. A grant nothing calls is what anyone holding the task's credentials gets for free.
   */
  @Test
  void workerRoleGrantsOnEachResourceExactlyWhatItsCodeCallsThere() throws IOException {
    assertGrantsExactly("worker_task", "ConsumeWorkQueue", actionsCalled("sqs", "sqs", WORKER_SQS_ADAPTERS));
    // SqsAcknowledger sends a rejected message with its reason to the DLQ, located by name at start-up.
    Set<String> deadLettering = Set.of("sqs:GetQueueUrl", "sqs:SendMessage");
    assertThat(actionsCalled("sqs", "sqs", WORKER_SQS_ADAPTERS)).containsAll(deadLettering);
    assertGrantsExactly("worker_task", "DeadLetterRejectedMessages", deadLettering);

    Set<String> s3 = new TreeSet<>();
    operationsCalled("s3", WORKER_S3_ADAPTERS).stream()
        .filter(operation -> !S3_CALLS_NOT_ON_A_WORKERS_PATH.contains(operation))
        .forEach(operation -> s3.add(S3_ACTION_OF.get(operation)));
    assertThat(s3).contains("s3:ListBucket");
    s3.remove("s3:ListBucket");
    assertGrantsExactly("worker_task", "ReadWriteSnapshots", s3);
    assertGrantsExactly("worker_task", "ListSnapshots", Set.of("s3:ListBucket"));

    Set<String> readiness = actionsCalled("dynamo", "dynamodb", List.of(WORKER_READINESS));
    Set<String> versions = actionsCalled("dynamo", "dynamodb", List.of(VERSION_LEDGER));
    versions.removeAll(NOT_ON_A_WORKERS_PATH);
    versions.addAll(readiness);
    Set<String> runs = actionsCalled("dynamo", "dynamodb", List.of(RUN_LEDGER, SOURCE_SLOTS));
    runs.addAll(readiness);
    assertGrantsExactly("worker_task", "CommitVersions", versions);
    assertThat(servicesStatement("worker_task", "CommitVersions").resources()).containsExactly("${var.versions_table_arn}");
    assertGrantsExactly("worker_task", "RecordProgressAndTakeSourceSlots", runs);
    assertThat(servicesStatement("worker_task", "RecordProgressAndTakeSourceSlots").resources()).containsExactly("${var.runs_table_arn}");
  }

  @Test
  void producerRoleGrantsOnEachResourceExactlyWhatItsCodeCallsThere() throws IOException {
    Set<String> bothQueues = actionsCalled("sqs", "sqs", PRODUCER_SQS_BOTH_QUEUES);
    Set<String> workQueue = actionsCalled("sqs", "sqs", PRODUCER_SQS_WORK_QUEUE);
    workQueue.addAll(bothQueues);
    Set<String> deadLetters = actionsCalled("sqs", "sqs", PRODUCER_SQS_DEAD_LETTER_QUEUE);
    deadLetters.addAll(bothQueues);
    assertGrantsExactly("producer_task", "EnqueueTargets", workQueue);
    assertGrantsExactly("producer_task", "InspectAndRedriveDeadLetters", deadLetters);

    Set<String> versions = actionsCalled("dynamo", "dynamodb", List.of(VERSION_LEDGER));
    versions.remove("dynamodb:PutItem"); // a commit: the worker's
    assertGrantsExactly("producer_task", "TrackRuns", actionsCalled("dynamo", "dynamodb", List.of(RUN_LEDGER)));
    assertGrantsExactly("producer_task", "ReadVersions", versions);
  }

  private void assertGrantsExactly(String document, String sid, Set<String> called) {
    assertThat(servicesStatement(document, sid).actions())
        .as("%s.%s against the calls of its code", document, sid)
        .containsExactlyInAnyOrderElementsOf(called);
  }

  /**
   * The IAM actions of the calls {@code client.operation(...)} in {@code sources}: paginators ask
   * for their operation, batch calls for the single one (DeleteMessageBatch needs sqs:DeleteMessage;
   * DynamoDB's Batch*Item are actions of their own).
   */
  private static Set<String> actionsCalled(String client, String service, List<String> sources) throws IOException {
    Set<String> actions = new TreeSet<>();
    for (String operation : operationsCalled(client, sources)) {
      operation = operation.replace("Paginator", "");
      if (service.equals("sqs")) {
        operation = operation.replace("Batch", "");
      }
      actions.add(service + ":" + Character.toUpperCase(operation.charAt(0)) + operation.substring(1));
    }
    return actions;
  }

  /** The methods called as {@code client.operation(...)} or {@code client().operation(...)} in {@code sources}. */
  private static Set<String> operationsCalled(String client, List<String> sources) throws IOException {
    Pattern call = Pattern.compile("\\b" + client + "(?:\\(\\))?\\s*\\.\\s*(\\w+)\\s*\\(");
    Set<String> operations = new TreeSet<>();
    for (String source : sources) {
      Matcher found = call.matcher(Files.readString(Repository.ROOT.resolve(source)));
      while (found.find()) {
        operations.add(found.group(1));
      }
    }
    return operations;
  }


  @Test
  void producerTaskRoleHoldsExactlyTheProducersPermissions() {
    assertThat(actionsOf("producer_task")).containsExactlyInAnyOrder(
        "sqs:GetQueueUrl", "sqs:SendMessage", "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
        "sqs:StartMessageMoveTask", "sqs:ListMessageMoveTasks",
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem", "dynamodb:Scan",
        "kms:Decrypt", "kms:GenerateDataKey",
        "cloudwatch:PutMetricData");
  }

  @Test
  void workerMayTakeAndReturnSourceSlotsInTheRunsTable() {
    // DynamoSourceSlots: GetItem to read the leases, PutItem fenced on the version, UpdateItem to renew and release.
    Statement ledgers = servicesStatement("worker_task", "RecordProgressAndTakeSourceSlots");
    assertThat(ledgers.resources()).contains("${var.runs_table_arn}");
    assertThat(ledgers.actions()).contains("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");
  }

  @Test
  void producerWritesRunsButOnlyReadsVersions() {
    Statement versions = servicesStatement("producer_task", "ReadVersions");
    assertThat(versions.resources()).containsExactly("${var.versions_table_arn}");
    assertThat(versions.actions()).allMatch(a -> a.matches("dynamodb:(Get|BatchGet|Query|Scan|Describe).*"));
    assertThat(servicesStatement("producer_task", "TrackRuns").resources()).containsExactly("${var.runs_table_arn}");
  }

  @Test
  void workerReachesSnapshotsOnlyUnderTheSnapshotPrefix() {
    assertThat(servicesStatement("worker_task", "ReadWriteSnapshots").resources()).containsExactly("${local.snapshot_objects_arn}");
    assertThat(Hcl.text(config.module("modules/services").local("snapshot_objects_arn")))
        .isEqualTo("${var.bucket_arn}/${var.snapshot_prefix}*");
    Statement list = servicesStatement("worker_task", "ListSnapshots");
    assertThat(list.resources()).containsExactly("${var.bucket_arn}");
    // S3 answers a GET or HEAD of a missing key with 404 only to a caller allowed ListBucket on the
    // bucket, and such a request carries no s3:prefix: under a prefix condition it got 403, and the
    // worker's "not stored yet" paths (a base's key index sidecar) failed instead of falling back.
    assertThat(list.hasConditionOn("s3:prefix")).as("ListBucket without an s3:prefix condition").isFalse();
  }

  @Test
  void queuesAreUsedOnlyByTheirRoles() {
    assertThat(servicesStatement("worker_task", "ConsumeWorkQueue").resources()).containsExactly("${var.queue_arn}");
    assertThat(servicesStatement("worker_task", "DeadLetterRejectedMessages").resources()).containsExactly("${var.dlq_arn}");
    assertThat(servicesStatement("producer_task", "EnqueueTargets").resources()).containsExactly("${var.queue_arn}");
    assertThat(servicesStatement("producer_task", "InspectAndRedriveDeadLetters").resources()).containsExactly("${var.dlq_arn}");
  }

  /** Nothing in the worker calls the ECS agent's task-protection endpoint, so its role may not either. */
  @Test
  void workerRoleMayNotSetTaskProtectionItNeverUses() throws IOException {
    boolean called = false;
    for (String module : List.of("worker", "common", "aws")) {
      try (var files = Files.walk(Repository.ROOT.resolve(module).resolve("src/main/java"))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          called |= Files.readString(file).contains("task-protection");
        }
      }
    }
    assertThat(called).as("the worker now sets task protection: grant it ecs:UpdateTaskProtection on its cluster's tasks").isFalse();
    assertThat(actionsOf("worker_task")).noneMatch(action -> action.contains("TaskProtection"));
  }

  @Test
  void executionRolesReadOnlyTheirOwnSecretsAndLogs() {
    JsonNode roles = config.module("modules/services").local("execution_roles");
    assertThat(Hcl.text(roles.path("producer").path("secret_arns"))).isEqualTo("${local.producer_secret_arns}");
    assertThat(Hcl.text(roles.path("worker").path("secret_arns"))).isEqualTo("${local.worker_secret_arns}");
    Statement secrets = servicesStatement("execution", "ReadOwnSecrets");
    assertThat(secrets.actions()).containsExactly("secretsmanager:GetSecretValue");
    assertThat(secrets.resources()).containsExactly("${each.value.secret_arns}");
    assertThat(servicesStatement("execution", "WriteOwnLogs").resources()).containsExactly("${each.value.log_group_arn}:log-stream:*");
  }

  @Test
  void rolesCanOnlyBeAssumedByEcsTasksOfThisAccount() {
    Statement assume = servicesStatement("ecs_tasks_assume", "EcsTasksAssumeRole");
    assertThat(assume.actions()).containsExactly("sts:AssumeRole");
    assertThat(assume.hasConditionOn("aws:SourceAccount")).isTrue();
    config.module("modules/services").resources("aws_iam_role").forEach((name, role) ->
        assertThat(Hcl.text(role.path("assume_role_policy")))
            .as("assume_role_policy of %s", name)
            .isEqualTo("${data.aws_iam_policy_document.ecs_tasks_assume.json}"));
  }

  private Set<String> actionsOf(String document) {
    JsonNode policy = config.module("modules/services").dataSource("aws_iam_policy_document", document);
    return Hcl.blocksIncludingDynamic(policy, "statement").stream()
        .flatMap(s -> Hcl.strings(s.path("actions")).stream())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private Statement servicesStatement(String document, String sid) {
    String prefix = "terraform/modules/services: data.aws_iam_policy_document." + document + " ";
    return statements.stream()
        .filter(s -> s.where().startsWith(prefix) && s.sid().equals(sid))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no statement " + sid + " in " + document));
  }
}
