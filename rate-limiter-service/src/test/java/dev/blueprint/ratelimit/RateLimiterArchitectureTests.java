package dev.blueprint.ratelimit;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.blueprint.platform.test.BlueprintArchitectureRules;
import org.junit.jupiter.api.Test;

class RateLimiterArchitectureTests {

	private static final JavaClasses classes = BlueprintArchitectureRules.importService("dev.blueprint.ratelimit");

	@Test
	void usesNoOtherServicesClasses() {
		BlueprintArchitectureRules.independentOfOtherServices("dev.blueprint.ratelimit").check(classes);
	}

	@Test
	void keepsDecisionsFrameworkFree() {
		BlueprintArchitectureRules.DECISIONS_ARE_FRAMEWORK_FREE.check(classes);
	}

}
