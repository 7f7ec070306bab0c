package dev.blueprint.shortener;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.blueprint.platform.test.BlueprintArchitectureRules;
import dev.blueprint.platform.test.ServiceArchitectureTests;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

class UrlShortenerArchitectureTests extends ServiceArchitectureTests {

	private static final JavaClasses classes = BlueprintArchitectureRules.importService("dev.blueprint.shortener");

	UrlShortenerArchitectureTests() {
		super("dev.blueprint.shortener");
	}

	@Test
	void idSchemeIsPlainJava() {
		noClasses().that()
			.resideInAPackage("dev.blueprint.shortener.ids")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.springframework..", "com.datastax..", "io.lettuce..", "io.micrometer..",
					"dev.blueprint.shortener.storage..", "dev.blueprint.shortener.cache..")
			.because("ID leasing maths, the permutation and base62 are decisions; Cassandra sits behind IdBlockSource")
			.check(classes);
	}

	@Test
	void linkRulesArePlainJava() {
		noClasses().that()
			.haveSimpleNameStartingWith("LinkRules")
			.or()
			.haveSimpleName("Link")
			.or()
			.haveSimpleName("RedirectTarget")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.springframework..", "com.datastax..", "io.lettuce..")
			.check(classes);
	}

}
