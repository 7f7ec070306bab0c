package dev.blueprint.ratelimit;

import dev.blueprint.platform.test.ServiceArchitectureTests;

class RateLimiterArchitectureTests extends ServiceArchitectureTests {

	RateLimiterArchitectureTests() {
		super("dev.blueprint.ratelimit");
	}

}
