package dev.blueprint.platform.test;

import java.util.List;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * Architecture rules every Blueprint service checks in its {@code *ArchitectureTests}.
 */
public final class BlueprintArchitectureRules {

	/** Root package of each service. */
	public static final List<String> SERVICE_PACKAGES = List.of("dev.blueprint.shortener", "dev.blueprint.ratelimit",
			"dev.blueprint.chat.gateway", "dev.blueprint.chat.message", "dev.blueprint.presence",
			"dev.blueprint.notification");

	/**
	 * Packages of the shared libraries in libs/ that live under a service's namespace:
	 * the rate-limit contract ({@code blueprint-ratelimit-core}) and its client starter.
	 * Any service may use them.
	 */
	public static final List<String> SHARED_LIBRARY_PACKAGES = List.of("dev.blueprint.ratelimit.core..",
			"dev.blueprint.ratelimit.redis..", "dev.blueprint.ratelimit.client..", "dev.blueprint.chat.contracts..");

	/**
	 * Classes in {@code ..domain..} and {@code ..core..} packages, where decisions are
	 * made, depend on neither Spring nor a store or broker client. Holds trivially while
	 * a service has no such package yet.
	 */
	public static final ArchRule DECISIONS_ARE_FRAMEWORK_FREE = noClasses().that()
		.resideInAnyPackage("..domain..", "..core..")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("org.springframework..", "org.apache.cassandra..", "com.datastax..", "io.lettuce..",
				"org.apache.kafka..")
		.because("decisions are plain Java; Spring, Cassandra, Redis and Kafka stay in the adapters around them")
		.allowEmptyShould(true);

	private BlueprintArchitectureRules() {
	}

	/**
	 * Imports the production classes of a service.
	 * @param servicePackage the service's root package
	 * @return the classes
	 */
	public static JavaClasses importService(String servicePackage) {
		return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
			.importPackages(servicePackage);
	}

	/**
	 * No class of the service uses another service's classes: services share contracts
	 * through libs/, never through each other's internals.
	 * @param servicePackage the service's root package
	 * @return the rule
	 */
	public static ArchRule independentOfOtherServices(String servicePackage) {
		String[] others = SERVICE_PACKAGES.stream()
			.filter((other) -> !other.equals(servicePackage))
			.map((other) -> other + "..")
			.toArray(String[]::new);
		String[] shared = SHARED_LIBRARY_PACKAGES.toArray(String[]::new);
		return noClasses().that()
			.resideInAPackage(servicePackage + "..")
			.and()
			.resideOutsideOfPackages(shared)
			.should()
			.dependOnClassesThat(JavaClass.Predicates.resideInAnyPackage(others)
				.and(DescribedPredicate.not(JavaClass.Predicates.resideInAnyPackage(shared))))
			.because("services share contracts through libs/, never through each other's internals");
	}

}
