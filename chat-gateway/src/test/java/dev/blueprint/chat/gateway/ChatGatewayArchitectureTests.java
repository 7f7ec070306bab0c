package dev.blueprint.chat.gateway;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.blueprint.platform.test.BlueprintArchitectureRules;
import org.junit.jupiter.api.Test;

class ChatGatewayArchitectureTests {

	private static final JavaClasses classes = BlueprintArchitectureRules.importService("dev.blueprint.chat.gateway");

	@Test
	void usesNoOtherServicesClasses() {
		BlueprintArchitectureRules.independentOfOtherServices("dev.blueprint.chat.gateway").check(classes);
	}

	@Test
	void keepsDecisionsFrameworkFree() {
		BlueprintArchitectureRules.DECISIONS_ARE_FRAMEWORK_FREE.check(classes);
	}

}
