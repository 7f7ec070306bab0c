package dev.blueprint.notification;

import dev.blueprint.platform.test.ServiceArchitectureTests;

class NotificationArchitectureTests extends ServiceArchitectureTests {

	NotificationArchitectureTests() {
		super("dev.blueprint.notification");
	}

}
