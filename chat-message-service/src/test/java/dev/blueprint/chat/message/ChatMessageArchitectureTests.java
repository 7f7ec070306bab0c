package dev.blueprint.chat.message;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.blueprint.platform.test.BlueprintArchitectureRules;
import org.junit.jupiter.api.Test;

class ChatMessageArchitectureTests {

	private static final JavaClasses classes = BlueprintArchitectureRules.importService("dev.blueprint.chat.message");

	@Test
	void usesNoOtherServicesClasses() {
		BlueprintArchitectureRules.independentOfOtherServices("dev.blueprint.chat.message").check(classes);
	}

	@Test
	void keepsDecisionsFrameworkFree() {
		BlueprintArchitectureRules.DECISIONS_ARE_FRAMEWORK_FREE.check(classes);
	}

}
