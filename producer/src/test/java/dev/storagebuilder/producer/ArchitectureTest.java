package dev.storagebuilder.producer;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The producer's logic is plain Java behind small ports; adapters and wiring stay at the edges. */
@AnalyzeClasses(
    packages = "dev.storagebuilder.producer",
    importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String[] CORE = {
    "..producer.enqueue..", "..producer.dlq..", "..producer.runs.."
  };

  @ArchTest
  static final ArchRule coreUsesNoAwsMicronautOrJdbc =
      noClasses()
          .that()
          .resideInAnyPackage(CORE)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "software.amazon.awssdk..", "io.micronaut..", "com.zaxxer..", "java.sql..");

  @ArchTest
  static final ArchRule coreKnowsNoAdapters =
      noClasses()
          .that()
          .resideInAnyPackage(CORE)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "..producer.api..", "..producer.sqs..", "..producer.jdbc..", "..producer.config..");

  @ArchTest
  static final ArchRule onlyConfigurationReadsTheEnvironment =
      noClasses()
          .that()
          .resideOutsideOfPackage("..producer.config..")
          .should()
          .callMethod(System.class, "getenv")
          .orShould()
          .callMethod(System.class, "getenv", String.class);
}
