package dev.storagebuilder.worker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

class ArchitectureTest {
  private static final JavaClasses WORKER =
      new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.storagebuilder.worker");

  @Test
  void pipelineAndPortsArePlainJava() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.storagebuilder.worker.pipeline..", "dev.storagebuilder.worker.port..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "software.amazon..", "io.micronaut..", "com.zaxxer..", "io.github.resilience4j..", "jakarta.inject..")
        .check(WORKER);
  }

  @Test
  void pipelineDoesNotReachIntoAdapters() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.storagebuilder.worker.pipeline..", "dev.storagebuilder.worker.port..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.storagebuilder.worker.sqs..", "dev.storagebuilder.worker.jdbc..", "dev.storagebuilder.worker.app..",
            "dev.storagebuilder.worker.resilience..", "dev.storagebuilder.aws..")
        .check(WORKER);
  }
}
