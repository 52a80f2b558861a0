package dev.pulse.harness;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module list is the architecture, and inside each module the arrows point one way: these rules
 * fail the build when a change bends them. They read the compiled production classes of every module
 * the harness sees (all but the benchmarks).
 */
class ArchitectureTest {

  private static final String[] TRANSPORT = {"io.grpc..", "io.netty..", "com.google.protobuf..", "dev.pulse.proto.."};

  private static JavaClasses pulse;

  @BeforeAll
  static void importClasses() {
    pulse = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.pulse");
  }

  @Test
  void noPackageCycles() {
    slices().matching("dev.pulse.(**)").should().beFreeOfCycles().check(pulse);
  }

  @Test
  void heartbeatCore_importsNoTransport() {
    noClasses().that().resideInAnyPackage("dev.pulse.heartbeat..", "dev.pulse.config..")
        .should().dependOnClassesThat().resideInAnyPackage(TRANSPORT)
        .because("heartbeat-core depends on nothing but slf4j-api (SPEC 1)")
        .check(pulse);
  }

  @Test
  void resourceManager_facadeAndCore_importNoTransportRestOrMetrics() {
    noClasses().that().resideInAPackage("dev.pulse.rm")
        .should().dependOnClassesThat().resideInAnyPackage(TRANSPORT)
        .orShould().dependOnClassesThat().resideInAnyPackage("dev.pulse.rm.grpc..", "dev.pulse.rm.rest..",
            "dev.pulse.rm.metrics..", "dev.pulse.rm.server..", "dev.pulse.rpc..", "io.micrometer..")
        .because("ResourceManager is a transport-free facade over the core; the server wires the edges")
        .check(pulse);
  }

  @Test
  void taskExecutor_facadeAndCore_importNoTransport() {
    noClasses().that().resideInAPackage("dev.pulse.te")
        .should().dependOnClassesThat().resideInAnyPackage(TRANSPORT)
        .orShould().dependOnClassesThat().resideInAnyPackage("dev.pulse.te.grpc..", "dev.pulse.te.server..")
        .because("the task executor's core works on domain types; proto and gRPC stay in its grpc package")
        .check(pulse);
  }

  @Test
  void highAvailability_onlyTheHaModuleKnowsZooKeeper() {
    noClasses().that().resideOutsideOfPackage("dev.pulse.ha.zookeeper..")
        .should().dependOnClassesThat().resideInAnyPackage("org.apache.curator..", "org.apache.zookeeper..",
            "dev.pulse.ha..")
        .because("the resource manager and the task executor find ha-zookeeper through ServiceLoader"
            + " (dev.pulse.rm.ha, dev.pulse.te.ha); neither depends on it or on Curator (SPEC 12)")
        .check(pulse);
  }

  @Test
  void highAvailability_interfacesAreUsedOnlyByTheCompositionRootsAndTheirAdapters() {
    noClasses().that().resideInAnyPackage("dev.pulse.rm", "dev.pulse.rm.store..", "dev.pulse.rm.rest..",
            "dev.pulse.rm.grpc..", "dev.pulse.te")
        .should().dependOnClassesThat().resideInAnyPackage("dev.pulse.rm.ha..", "dev.pulse.te.ha..")
        .because("the core knows nothing of elections: the composition root gives it a fenced store and starts"
            + " or stops it")
        .check(pulse);
  }
}
