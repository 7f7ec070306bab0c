package dev.blueprint.ratelimit.core;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

class CoreArchitectureTests {

	@Test
	void decisionsAreFrameworkFree() {
		noClasses().that()
			.resideInAPackage("dev.blueprint.ratelimit.core..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.springframework..", "io.lettuce..", "io.netty..", "org.apache.kafka..",
					"com.datastax..")
			.check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
				.importPackages("dev.blueprint.ratelimit.core"));
	}

}
