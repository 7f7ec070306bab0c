package dev.blueprint.notification;

import dev.blueprint.notification.push.PushDispatcher;
import dev.blueprint.testsupport.ShutdownBudget;
import org.junit.jupiter.api.Test;

/**
 * A shutdown on Kubernetes ends before the pod's grace period, or the kubelet kills the
 * JVM before the pending pushes are dead-lettered (they are lost: their notifications
 * stay listed) and before the consumers leave their groups (their partitions wait
 * {@code session.timeout.ms}). Until 2026-12-07 Spring's default of 30 s per phase and
 * Kafka's producer defaults could add up to about 117 s of the 45 s granted.
 */
class ShutdownBudgetTests {

	@Test
	void aShutdownEndsWithinThePodsGracePeriod() {
		ShutdownBudget budget = ShutdownBudget.of("notification-service");
		budget.phase("Kafka listener containers: the deliveries' and the pushes' batches in progress")
			.phase("web server's drain of requests in flight")
			.step("Tomcat's stop", ShutdownBudget.TOMCAT_STOP)
			.step("the Kafka producer's close as its factory stops (sends in flight)",
					budget.setting("spring.kafka.producer.properties.delivery.timeout.ms"))
			.step("push attempts in flight", PushDispatcher.CLOSE_WAIT)
			.step("the pending pushes' dead letters handed to Kafka", PushDispatcher.DEAD_LETTER_SENDS)
			.step("a last dead letter's send blocked (Kafka unreachable)",
					budget.setting("spring.kafka.producer.properties.max.block.ms"))
			.step("the dead letters' flush", budget.setting("spring.kafka.producer.properties.delivery.timeout.ms"))
			.step("Kafka health check's admin client", ShutdownBudget.KAFKA_HEALTH_CLOSE)
			.step("Cassandra's close (requests in flight)", budget.setting("spring.cassandra.request.timeout"))
			.step("Redis clients and exit", ShutdownBudget.EXIT)
			.assertFitsTheGracePeriod();
	}

}
