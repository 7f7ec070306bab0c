package dev.blueprint.ratelimit;

import dev.blueprint.testsupport.ShutdownBudget;
import org.junit.jupiter.api.Test;

/**
 * A shutdown on Kubernetes ends before the pod's grace period. Until 2026-12-07 Spring's
 * default of 30 s per phase could add up to 47 s of the 45 s granted.
 */
class ShutdownBudgetTests {

	@Test
	void aShutdownEndsWithinThePodsGracePeriod() {
		ShutdownBudget.of("rate-limiter-service")
			.phase("the rule channel's Redis listener")
			.phase("web server's drain of checks in flight")
			.step("Tomcat's stop", ShutdownBudget.TOMCAT_STOP)
			.step("the rate-limit store's Redis client", ShutdownBudget.REDIS_CLIENT_SHUTDOWN)
			.step("Redis clients and exit", ShutdownBudget.EXIT)
			.assertFitsTheGracePeriod();
	}

}
