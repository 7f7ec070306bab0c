package dev.blueprint.chat.contracts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.blueprint.testsupport.TestInfrastructure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Against the build's real Kafka; topics with unique names, deleted after each test. */
class KeyedTopicsIntegrationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private final Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
			TestInfrastructure.local().kafkaBootstrapServers());

	private final List<String> topics = new ArrayList<>();

	@AfterEach
	void deleteTopics() throws Exception {
		try (Admin admin = Admin.create(this.config)) {
			admin.deleteTopics(this.topics).all().get(30, TimeUnit.SECONDS);
		}
	}

	@Test
	void missingTopicsAreCreatedWithTheSetCountAndExistingOnesWithItPass() throws Exception {
		String submitted = unique("submitted");
		String events = unique("events");
		KeyedTopics keyed = new KeyedTopics(this.config, 4, (short) 1, TIMEOUT, submitted, events);

		assertThat(keyed.ensure()).isTrue();
		assertThat(keyed.ensure()).isTrue();

		assertThat(partitions(submitted)).isEqualTo(4);
		assertThat(partitions(events)).isEqualTo(4);
	}

	@Test
	void aTopicWithAnotherCountIsNeitherGrownNorAccepted() throws Exception {
		String topic = unique("submitted");
		try (Admin admin = Admin.create(this.config)) {
			admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
		}

		assertThatExceptionOfType(KeyedTopics.PartitionCountMismatchException.class)
			.isThrownBy(() -> new KeyedTopics(this.config, 6, (short) 1, TIMEOUT, topic).ensure())
			.withMessageStartingWith(topic + " has 3 partitions and this service is set to 6 (CHAT_TOPIC_PARTITIONS): "
					+ "set it to 3.");
		assertThatExceptionOfType(KeyedTopics.PartitionCountMismatchException.class)
			.isThrownBy(() -> new KeyedTopics(this.config, 2, (short) 1, TIMEOUT, topic).ensure());
		assertThat(partitions(topic)).isEqualTo(3);
	}

	@Test
	void aCreationKafkaRefusesIsNotConfirmedAndLeftForTheNextAttempt() throws Exception {
		String topic = unique("replicated");

		// one broker: a replication factor of 3 is refused
		assertThat(new KeyedTopics(this.config, 6, (short) 3, TIMEOUT, topic).ensure()).isFalse();

		try (Admin admin = Admin.create(this.config)) {
			assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(topic);
		}
		this.topics.remove(topic);
	}

	@Test
	void anUnreachableKafkaIsNotConfirmedWithinTheTimeout() {
		Map<String, Object> nowhere = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
		long start = System.nanoTime();

		assertThat(new KeyedTopics(nowhere, 6, (short) 1, Duration.ofSeconds(2), "anything").ensure()).isFalse();

		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
	}

	private int partitions(String topic) throws Exception {
		try (Admin admin = Admin.create(this.config)) {
			return admin.describeTopics(List.of(topic))
				.allTopicNames()
				.get(30, TimeUnit.SECONDS)
				.get(topic)
				.partitions()
				.size();
		}
	}

	private String unique(String prefix) {
		String topic = "keyed-test-" + prefix + "-" + UUID.randomUUID();
		this.topics.add(topic);
		return topic;
	}

}
