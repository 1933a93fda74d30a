package dev.storagebuilder.producer;

import dev.storagebuilder.common.process.ParentWatch;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.security.SecurityScheme;

/** The producer: starts runs, reports their progress, inspects and redrives the DLQ. */
@OpenAPIDefinition(
    info =
        @Info(
            title = "Storage Builder producer",
            version = "0.1.0",
            description =
                "Starts runs (one SQS message per client/target), reports their progress from the"
                    + " run ledger, shows target version history, inspects and redrives the DLQ."
                    + " Every route needs a bearer token; GETs accept a read-only one."),
    security = @SecurityRequirement(name = "bearer"))
@SecurityScheme(name = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer")
public final class ProducerApplication {
  private ProducerApplication() {}

  public static void main(String[] args) {
    ParentWatch.startIfAsked();
    new RefusalReportingMicronaut().args(args).mainClass(ProducerApplication.class).banner(false).start();
  }
}
