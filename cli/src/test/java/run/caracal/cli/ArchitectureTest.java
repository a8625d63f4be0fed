package run.caracal.cli;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The module boundaries of the design's "Modules" table, checked on the production classes of every
 * module (cli depends on all of them, so all are on this test's classpath).
 */
@AnalyzeClasses(packages = "run.caracal", importOptions = ImportOption.DoNotIncludeTests.class)
final class ArchitectureTest {
  /** In-memory java.io types (and the exceptions their signatures carry): no file, socket or console. */
  private static final DescribedPredicate<JavaClass> PURE_JAVA_IO = belongToAnyOf(
      StringReader.class, StringWriter.class, ByteArrayInputStream.class, ByteArrayOutputStream.class,
      Serializable.class, IOException.class, UncheckedIOException.class);

  private static final DescribedPredicate<JavaClass> IO_OR_FRAMEWORK =
      resideInAPackage("java.io").and(not(PURE_JAVA_IO))
          .or(resideInAnyPackage("java.nio.file..", "java.net..", "java.sql..", "javax.sql..",
              "io.micronaut..", "io.netty..", "org.flywaydb..", "com.zaxxer.."))
          .as("I/O (java.io except in-memory types, java.nio.file, java.net, JDBC) or a framework "
              + "(Micronaut, Netty, Flyway, Hikari)");

  private static DescribedPredicate<JavaClass> caracalOutside(String... own) {
    return resideInAPackage("run.caracal..").and(not(resideInAnyPackage(own)))
        .as("Caracal classes outside " + String.join(", ", own));
  }

  /**
   * run.caracal.policy.input holds only protoc output (policy-lang/src/main/proto): its generated
   * parseFrom(InputStream) overloads are protobuf API that no policy code calls, so it is left out.
   */
  @ArchTest
  static final ArchRule policyLang_doesNoIoAndUsesNoFramework = noClasses()
      .that().resideInAPackage("run.caracal.policy..")
      .and().resideOutsideOfPackage("run.caracal.policy.input")
      .should().dependOnClassesThat(IO_OR_FRAMEWORK);

  @ArchTest
  static final ArchRule engine_doesNoIoAndUsesNoFramework = noClasses()
      .that().resideInAPackage("run.caracal.engine..")
      .should().dependOnClassesThat(IO_OR_FRAMEWORK);

  @ArchTest
  static final ArchRule policyLang_dependsOnNoOtherCaracalModule = noClasses()
      .that().resideInAPackage("run.caracal.policy..")
      .should().dependOnClassesThat(caracalOutside("run.caracal.policy.."));

  @ArchTest
  static final ArchRule engine_dependsOnlyOnPolicyLang = noClasses()
      .that().resideInAPackage("run.caracal.engine..")
      .should().dependOnClassesThat(caracalOutside("run.caracal.engine..", "run.caracal.policy.."));

  @ArchTest
  static final ArchRule ledger_dependsOnNothingOfOurs = noClasses()
      .that().resideInAPackage("run.caracal.ledger..")
      .should().dependOnClassesThat(caracalOutside("run.caracal.ledger.."));

  @ArchTest
  static final ArchRule decision_dependsOnlyOnEngineAndPolicyLang = noClasses()
      .that().resideInAPackage("run.caracal.decision..")
      .should().dependOnClassesThat(
          caracalOutside("run.caracal.decision..", "run.caracal.engine..", "run.caracal.policy.."));

  @ArchTest
  static final ArchRule control_dependsNotOnStsGatewayServerOrCli = noClasses()
      .that().resideInAPackage("run.caracal.control..")
      .should().dependOnClassesThat().resideInAnyPackage(
          "run.caracal.sts..", "run.caracal.gateway..", "run.caracal.server..", "run.caracal.cli..");

  @ArchTest
  static final ArchRule sts_dependsNotOnGatewayServerOrCli = noClasses()
      .that().resideInAPackage("run.caracal.sts..")
      .should().dependOnClassesThat().resideInAnyPackage(
          "run.caracal.gateway..", "run.caracal.server..", "run.caracal.cli..");

  @ArchTest
  static final ArchRule gateway_dependsNotOnStsServerOrCli = noClasses()
      .that().resideInAPackage("run.caracal.gateway..")
      .should().dependOnClassesThat().resideInAnyPackage(
          "run.caracal.sts..", "run.caracal.server..", "run.caracal.cli..");

  @ArchTest
  static final ArchRule server_dependsNotOnCli = noClasses()
      .that().resideInAPackage("run.caracal.server..")
      .should().dependOnClassesThat().resideInAPackage("run.caracal.cli..");
}
