package dev.blueprint.presence;

import dev.blueprint.testsupport.ShutdownBudget;
import org.junit.jupiter.api.Test;

/**
 * A shutdown on Kubernetes ends before the pod's grace period. Until 2026-12-07 Spring's
 * default of 30 s per phase could add up to 75 s of the 45 s granted.
 */
class ShutdownBudgetTests {

	@Test
	void aShutdownEndsWithinThePodsGracePeriod() {
		ShutdownBudget.of("presence-service")
			.phase("web server's drain of requests in flight")
			.phase("the scheduler: a presence sweep in progress")
			.step("Tomcat's stop", ShutdownBudget.TOMCAT_STOP)
			.step("the rate-limit client's Redis client", ShutdownBudget.REDIS_CLIENT_SHUTDOWN)
			.step("Redis clients and exit", ShutdownBudget.EXIT)
			.assertFitsTheGracePeriod();
	}

}
