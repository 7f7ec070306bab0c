package dev.blueprint.notification;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.platform.test.PlatformContractIntegrationTests;
import dev.blueprint.testsupport.RealInfrastructure;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.ProducerFactory;

import static org.assertj.core.api.Assertions.assertThat;

@RealInfrastructure
class NotificationPlatformIntegrationTests extends PlatformContractIntegrationTests {

	NotificationPlatformIntegrationTests() {
		super("redis", "kafka", "cassandra");
	}

	@Test
	void declaresItsDeadLetterTopicAndProducesIdempotentlyWithEveryReplicaAcknowledging(@Autowired KafkaAdmin admin,
			@Autowired ProducerFactory<?, ?> producers) {
		String deadLetters = ChatTopics.deadLetter(ChatTopics.EVENTS);
		assertThat(admin.describeTopics(deadLetters).get(deadLetters).partitions()).hasSize(1);
		assertThat(producers.getConfigurationProperties())
			.hasEntrySatisfying(ProducerConfig.ACKS_CONFIG, (acks) -> assertThat(acks).hasToString("all"))
			.hasEntrySatisfying(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
					(idempotent) -> assertThat(idempotent).hasToString("true"));
	}

	@Test
	void createsAndUsesItsKeyspace(@Autowired CqlSession session) {
		assertThat(session.getKeyspace()).hasValue(CqlIdentifier.fromCql("blueprint_notification"));
	}

}
