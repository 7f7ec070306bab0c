package dev.blueprint.notification;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.blueprint.platform.test.BlueprintArchitectureRules;
import org.junit.jupiter.api.Test;

class NotificationArchitectureTests {

	private static final JavaClasses classes = BlueprintArchitectureRules.importService("dev.blueprint.notification");

	@Test
	void usesNoOtherServicesClasses() {
		BlueprintArchitectureRules.independentOfOtherServices("dev.blueprint.notification").check(classes);
	}

	@Test
	void keepsDecisionsFrameworkFree() {
		BlueprintArchitectureRules.DECISIONS_ARE_FRAMEWORK_FREE.check(classes);
	}

}
