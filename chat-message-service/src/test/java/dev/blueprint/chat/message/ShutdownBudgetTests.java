package dev.blueprint.chat.message;

import dev.blueprint.testsupport.ShutdownBudget;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A shutdown on Kubernetes ends before the pod's grace period, or the kubelet kills the
 * JVM under the sequencer's batch: its Kafka transaction then stays open until the broker
 * aborts it ({@code transaction.timeout.ms}, plus up to 10 s until the broker checks),
 * and read_committed consumers of its partitions (notification-service, the next owner's
 * offsets) wait that long. Until 2026-12-07 Spring's default of 30 s per phase could add
 * up to 97 s of the 45 s granted.
 */
class ShutdownBudgetTests {

	@Test
	void aShutdownEndsWithinThePodsGracePeriod() {
		ShutdownBudget budget = ShutdownBudget.of("chat-message-service");
		budget.phase("Kafka listener containers: the sequencer's batch in progress")
			.phase("web server's drain of requests in flight")
			.step("Tomcat's stop", ShutdownBudget.TOMCAT_STOP)
			.step("Kafka producers' close (sends in flight)",
					budget.setting("spring.kafka.producer.properties.delivery.timeout.ms"))
			.step("Kafka health check's admin client", ShutdownBudget.KAFKA_HEALTH_CLOSE)
			.step("Cassandra's close (requests in flight)", budget.setting("spring.cassandra.request.timeout"))
			.step("exit", ShutdownBudget.EXIT)
			.assertFitsTheGracePeriod();
	}

	/** A batch that began as the shutdown did can commit before its phase gives up. */
	@Test
	void theListenersPhaseOutlastsTheSequencersTransaction() {
		ShutdownBudget budget = ShutdownBudget.of("chat-message-service");
		assertThat(budget.setting(ShutdownBudget.PHASE_TIMEOUT))
			.isGreaterThanOrEqualTo(budget.setting("spring.kafka.producer.properties.transaction.timeout.ms"));
	}

}
