package dev.blueprint.chat.message;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.KeyedTopics;
import dev.blueprint.platform.kafka.KafkaTopicDeclaration;
import dev.blueprint.platform.kafka.KafkaTopicDeclarationAutoConfiguration;
import dev.blueprint.platform.test.KafkaContract;
import dev.blueprint.testsupport.TestInfrastructure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service's topic declarations against the build's real Kafka, where the keyed topics
 * exist with the default count (6).
 */
class ChatTopicsConfigurationIntegrationTests {

	private static final int EXISTING = 6;

	private final ApplicationContextRunner context = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(KafkaAutoConfiguration.class, KafkaTopicDeclarationAutoConfiguration.class))
		.withUserConfiguration(ChatTopicsConfiguration.class)
		.withPropertyValues("spring.kafka.bootstrap-servers=" + TestInfrastructure.local().kafkaBootstrapServers(),
				"spring.kafka.admin.operation-timeout=30s");

	@BeforeAll
	static void keyedTopicsExist() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class))
			.withUserConfiguration(ChatTopicsConfiguration.class)
			.withPropertyValues("spring.kafka.bootstrap-servers=" + TestInfrastructure.local().kafkaBootstrapServers(),
					"chat.topics.partitions=" + EXISTING)
			.run((started) -> assertThat(started).hasNotFailed());
	}

	@Test
	void theSetCountStarts() {
		this.context.withPropertyValues("chat.topics.partitions=" + EXISTING).run((started) -> {
			assertThat(started).hasNotFailed();
			assertThat(started.getBean(KeyedTopics.class).topics()).containsExactly(ChatTopics.SUBMITTED,
					ChatTopics.EVENTS);
			assertThat(KafkaContract.declaredTopics(started)).doesNotContainKeys(ChatTopics.SUBMITTED,
					ChatTopics.EVENTS);
			KafkaTopicDeclaration declaration = started.getBean(KafkaTopicDeclaration.class);
			long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
			while (!declaration.declared() && System.nanoTime() < deadline) {
				Thread.sleep(100);
			}
			assertThat(declaration.declared()).isTrue();
		});
	}

	@Test
	void aHigherCountStopsTheStartAndTheTopicsAreNotGrown() throws Exception {
		this.context.withPropertyValues("chat.topics.partitions=12")
			.run((failed) -> assertThat(failed).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(KeyedTopics.PartitionCountMismatchException.class)
				.hasMessageStartingWith(ChatTopics.SUBMITTED + " has 6 partitions and this service is set to 12"));

		assertThat(partitions()).containsEntry(ChatTopics.SUBMITTED, EXISTING)
			.containsEntry(ChatTopics.EVENTS, EXISTING);
	}

	private static Map<String, Integer> partitions() throws Exception {
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
				TestInfrastructure.local().kafkaBootstrapServers()))) {
			Map<String, TopicDescription> described = admin
				.describeTopics(List.of(ChatTopics.SUBMITTED, ChatTopics.EVENTS))
				.allTopicNames()
				.get(30, TimeUnit.SECONDS);
			return Map.of(ChatTopics.SUBMITTED, described.get(ChatTopics.SUBMITTED).partitions().size(),
					ChatTopics.EVENTS, described.get(ChatTopics.EVENTS).partitions().size());
		}
	}

}
