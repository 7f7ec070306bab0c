package dev.blueprint.shortener;

import dev.blueprint.shortener.clicks.ClickCounter;
import dev.blueprint.shortener.clicks.RedisClickBuffer;
import dev.blueprint.testsupport.ShutdownBudget;
import org.junit.jupiter.api.Test;

/**
 * A shutdown on Kubernetes ends before the pod's grace period, or the kubelet kills the
 * JVM under a click rollup or the last flush. What it may wait for, one after the other:
 * the preStop hook (endpoints drop the pod), the web server's graceful shutdown (at most
 * {@code spring.lifecycle.timeout-per-shutdown-phase}), Tomcat's stop (its request
 * threads, when the drain timed out), a rollup's chunk being written
 * ({@link RedisClickBuffer#CLOSE_WAIT}), the last click flush
 * ({@link ClickCounter#FLUSH_LIMIT}), the Cassandra session's close (it waits for
 * requests in flight, the flush's and the rollup's left behind by their limits: at most
 * {@code spring.cassandra.request.timeout}), then the Redis clients' shutdowns and the
 * exit. Until 2026-12-07 they added up to 80 s of the 45 s granted.
 */
class ShutdownBudgetTests {

	@Test
	void aShutdownEndsWithinThePodsGracePeriod() {
		ShutdownBudget budget = ShutdownBudget.of("url-shortener-service");
		budget.phase("web server's drain of requests in flight")
			.step("Tomcat's stop", ShutdownBudget.TOMCAT_STOP)
			.step("a click rollup's chunk", RedisClickBuffer.CLOSE_WAIT)
			.step("the last click flush", ClickCounter.FLUSH_LIMIT)
			.step("Cassandra's close (requests in flight)", budget.setting("spring.cassandra.request.timeout"))
			.step("Redis clients and exit", ShutdownBudget.EXIT)
			.assertFitsTheGracePeriod();
	}

}
