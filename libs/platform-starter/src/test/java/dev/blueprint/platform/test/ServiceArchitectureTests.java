package dev.blueprint.platform.test;

import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.Test;

/**
 * The architecture guards every service runs: extend it with the service's root package.
 */
public abstract class ServiceArchitectureTests {

	private final String servicePackage;

	private final JavaClasses classes;

	protected ServiceArchitectureTests(String servicePackage) {
		this.servicePackage = servicePackage;
		this.classes = BlueprintArchitectureRules.importService(servicePackage);
	}

	@Test
	void usesNoOtherServicesClasses() {
		BlueprintArchitectureRules.independentOfOtherServices(this.servicePackage).check(this.classes);
	}

	@Test
	void keepsDecisionsFrameworkFree() {
		BlueprintArchitectureRules.DECISIONS_ARE_FRAMEWORK_FREE.check(this.classes);
	}

}
