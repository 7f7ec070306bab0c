package dev.blueprint.platform.kafka;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import dev.blueprint.testsupport.TestInfrastructure;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A service's own {@link TopicDeclarer}s take part in the retried topic declaration,
 * against the build's real Kafka: the declaration is confirmed only once every declarer
 * is, and a declarer that keeps refusing (a topic with another partition count) keeps it
 * unconfirmed, attempt after attempt.
 */
class TopicDeclarerIntegrationTests {

	private final ApplicationContextRunner context = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(KafkaAutoConfiguration.class, KafkaTopicDeclarationAutoConfiguration.class))
		.withPropertyValues("spring.kafka.bootstrap-servers=" + TestInfrastructure.local().kafkaBootstrapServers(),
				"blueprint.kafka.topics.retry-interval=100ms", "blueprint.kafka.topics.max-retry-interval=200ms");

	@Test
	void aDeclarerAloneStartsTheDeclarationWhichIsConfirmedOnceItIs() {
		AtomicInteger calls = new AtomicInteger();
		this.context.withBean("keyed", TopicDeclarer.class, () -> () -> calls.incrementAndGet() >= 3).run((started) -> {
			KafkaTopicDeclaration declaration = started.getBean(KafkaTopicDeclaration.class);
			awaitAttempts(declaration, 3);
			await(declaration::declared);
			assertThat(calls.get()).isEqualTo(3);
		});
	}

	@Test
	void aDeclarerThatKeepsRefusingKeepsTheDeclarationUnconfirmed() {
		AtomicInteger calls = new AtomicInteger();
		this.context.withBean("keyed", TopicDeclarer.class, () -> () -> {
			calls.incrementAndGet();
			throw new IllegalStateException("chat.messages.submitted has 6 partitions and this service is set to 12");
		}).run((started) -> {
			KafkaTopicDeclaration declaration = started.getBean(KafkaTopicDeclaration.class);
			awaitAttempts(declaration, 4);
			assertThat(declaration.declared()).isFalse();
			assertThat(calls.get()).isGreaterThanOrEqualTo(4);
		});
	}

	private static void awaitAttempts(KafkaTopicDeclaration declaration, int attempts) throws InterruptedException {
		await(() -> declaration.attempts() >= attempts);
	}

	private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
			Thread.sleep(50);
		}
		assertThat(condition.getAsBoolean()).isTrue();
	}

}
