package dev.blueprint.chat.contracts;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.blueprint.testsupport.TestInfrastructure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Against the build's real Kafka; topics with unique names. */
class KeyedTopicsIntegrationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private final Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
			TestInfrastructure.local().kafkaBootstrapServers());

	@Test
	void missingTopicsAndTopicsWithTheSetCountPass() throws Exception {
		String missing = unique("missing");
		String existing = unique("existing");
		create(existing, 4);

		KeyedTopics checked = KeyedTopics.check(this.config, 4, TIMEOUT, missing, existing);

		assertThat(checked).isEqualTo(new KeyedTopics(List.of(missing, existing), 4, true));
	}

	@Test
	void aTopicWithAnotherCountFailsTheCheckAndNamesTheCountToSet() throws Exception {
		String topic = unique("submitted");
		create(topic, 3);

		assertThatExceptionOfType(KeyedTopics.PartitionCountMismatchException.class)
			.isThrownBy(() -> KeyedTopics.check(this.config, 6, TIMEOUT, topic))
			.withMessageStartingWith(topic + " has 3 partitions and this service is set to 6 (CHAT_TOPIC_PARTITIONS): "
					+ "set it to 3.");
		assertThatExceptionOfType(KeyedTopics.PartitionCountMismatchException.class)
			.isThrownBy(() -> KeyedTopics.check(this.config, 2, TIMEOUT, topic));
	}

	@Test
	void anUnreachableKafkaLeavesTheTopicsUncheckedWithinTheTimeout() {
		Map<String, Object> nowhere = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
		long start = System.nanoTime();

		KeyedTopics unchecked = KeyedTopics.check(nowhere, 6, Duration.ofSeconds(2), "anything");

		assertThat(unchecked.checked()).isFalse();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
	}

	private void create(String topic, int partitions) throws Exception {
		try (Admin admin = Admin.create(this.config)) {
			admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
		}
	}

	private static String unique(String prefix) {
		return "keyed-test-" + prefix + "-" + UUID.randomUUID();
	}

}
