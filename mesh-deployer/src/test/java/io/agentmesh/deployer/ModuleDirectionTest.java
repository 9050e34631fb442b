package io.agentmesh.deployer;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Module dependencies point one way, as DESIGN.md draws them: nothing imports upward. Maven stops
 * cycles; this also stops sideways edges Maven would allow (core -> infra, gateway -> agents).
 * load-tests sits on top of everything and is not on this module's classpath.
 */
class ModuleDirectionTest {

  private static final JavaClasses MESH = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.agentmesh");

  @Test
  void modulesDependOnlyDownward() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .withOptionalLayers(true) // a module whose issue has not come yet holds no classes
        .layer("schemas").definedBy("io.agentmesh.schemas..")
        .layer("infra").definedBy("io.agentmesh.infra..")
        .layer("core").definedBy("io.agentmesh.core..")
        .layer("agents").definedBy("io.agentmesh.agents..")
        .layer("gateway").definedBy("io.agentmesh.gateway..")
        .layer("deployer").definedBy("io.agentmesh.deployer..")
        .whereLayer("deployer").mayNotBeAccessedByAnyLayer()
        .whereLayer("gateway").mayOnlyBeAccessedByLayers("deployer")
        .whereLayer("agents").mayOnlyBeAccessedByLayers("deployer")
        .whereLayer("core").mayOnlyBeAccessedByLayers("agents", "gateway", "deployer")
        .whereLayer("infra").mayOnlyBeAccessedByLayers("deployer")
        .whereLayer("schemas").mayOnlyBeAccessedByLayers("infra", "core", "agents", "gateway", "deployer")
        .check(MESH);
  }
}
