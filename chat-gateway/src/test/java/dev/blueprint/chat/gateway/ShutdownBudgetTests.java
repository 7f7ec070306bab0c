package dev.blueprint.chat.gateway;

import java.time.Duration;

import dev.blueprint.chat.gateway.session.SessionTracker;
import dev.blueprint.testsupport.ShutdownBudget;
import org.junit.jupiter.api.Test;

/**
 * A shutdown on Kubernetes ends before the pod's grace period, or the kubelet kills the
 * JVM before its sessions leave the presence registry: its users then look online until
 * their leases end ({@code gateway.session-lease}, 30 s). Until 2026-12-07 Spring's
 * default of 30 s per phase could add up to some 89 s of the 60 s granted, and the
 * sessions' closes 5 s more for each client that had stopped reading.
 */
class ShutdownBudgetTests {

	@Test
	void aShutdownEndsWithinThePodsGracePeriod() {
		ShutdownBudget budget = ShutdownBudget.of("chat-gateway");
		budget
			.step("the WebSocket sessions' closes (GoingAway)",
					GoingAway.closeWait(budget.setting("gateway.send-time-limit")))
			.phase("the STOMP handler and the Redis listeners")
			.phase("web server's drain of requests in flight")
			.step("Tomcat's stop", ShutdownBudget.TOMCAT_STOP)
			.phase("executors and schedulers: tasks in progress")
			.step("the presence registry's removals in progress", SessionTracker.STOP_WAIT)
			.step("the presence registry's removals still queued (a Redis round)", Duration.ofSeconds(2))
			.step("Kafka producer's close (sends in flight)",
					budget.setting("spring.kafka.producer.properties.delivery.timeout.ms"))
			.step("Kafka health check's admin client", ShutdownBudget.KAFKA_HEALTH_CLOSE)
			.step("Redis clients and exit", ShutdownBudget.EXIT)
			.assertFitsTheGracePeriod();
	}

}
