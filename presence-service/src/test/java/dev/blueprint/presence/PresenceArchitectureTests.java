package dev.blueprint.presence;

import dev.blueprint.platform.test.ServiceArchitectureTests;

class PresenceArchitectureTests extends ServiceArchitectureTests {

	PresenceArchitectureTests() {
		super("dev.blueprint.presence");
	}

}
