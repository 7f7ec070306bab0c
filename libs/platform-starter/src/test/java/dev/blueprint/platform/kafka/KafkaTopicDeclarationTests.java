package dev.blueprint.platform.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class KafkaTopicDeclarationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@Test
	void failedAttemptsAreRepeatedUntilKafkaHasTheTopicsThenItStops() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		KafkaTopicDeclaration declaration = new KafkaTopicDeclaration(() -> switch (calls.incrementAndGet()) {
			case 1 -> throw new IllegalStateException("Could not configure topics");
			case 2 -> false;
			default -> true;
		}, Duration.ofMillis(20), Duration.ofMillis(40));
		declaration.start();
		awaitDeclared(declaration);

		assertThat(declaration.attempts()).isEqualTo(3);
		awaitStopped(declaration);
		Thread.sleep(100);
		assertThat(calls).hasValue(3);
		declaration.start();
		Thread.sleep(100);
		assertThat(calls).as("declared once, never asked again").hasValue(3);
	}

	@Test
	void aHealthyClusterIsAskedOnce() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		KafkaTopicDeclaration declaration = new KafkaTopicDeclaration(() -> calls.incrementAndGet() > 0,
				Duration.ofMillis(20), Duration.ofMillis(40));
		declaration.start();
		awaitDeclared(declaration);
		awaitStopped(declaration);
		Thread.sleep(100);
		assertThat(calls).hasValue(1);
	}

	@Test
	void stoppingTheServiceEndsTheAttempts() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		KafkaTopicDeclaration declaration = new KafkaTopicDeclaration(() -> {
			calls.incrementAndGet();
			return false;
		}, Duration.ofMillis(20), Duration.ofMillis(40));
		declaration.start();
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (calls.get() < 3 && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(calls.get()).isGreaterThanOrEqualTo(3);

		declaration.stop();
		assertThat(declaration.isRunning()).isFalse();
		int afterStop = calls.get();
		Thread.sleep(200);
		assertThat(calls.get()).as("at most the attempt in flight when stopped").isLessThanOrEqualTo(afterStop + 1);
		assertThat(declaration.declared()).isFalse();
	}

	@Test
	void theWaitDoublesAfterEachFailureUpToTheLongest() {
		Duration first = Duration.ofSeconds(10);
		Duration longest = Duration.ofMinutes(1);
		assertThat(IntStream.rangeClosed(1, 6)
			.mapToObj((failures) -> KafkaTopicDeclaration.waitAfter(failures, first, longest).toSeconds())
			.toList()).containsExactly(10L, 20L, 40L, 60L, 60L, 60L);
		assertThat(KafkaTopicDeclaration.waitAfter(Integer.MAX_VALUE, first, longest)).isEqualTo(longest);
		assertThat(KafkaTopicDeclaration.waitAfter(3, first, first)).isEqualTo(first);
	}

	@Test
	void theAttemptsFollowTheWaits() throws Exception {
		List<Long> times = new CopyOnWriteArrayList<>();
		KafkaTopicDeclaration declaration = new KafkaTopicDeclaration(() -> {
			times.add(System.nanoTime());
			return times.size() > 3;
		}, Duration.ofMillis(100), Duration.ofMillis(200));
		declaration.start();
		awaitDeclared(declaration);

		// waits of 100, 200, 200 ms; a scheduler is never early
		assertThat(Duration.ofNanos(times.get(1) - times.get(0)).toMillis()).isGreaterThanOrEqualTo(100);
		assertThat(Duration.ofNanos(times.get(2) - times.get(1)).toMillis()).isGreaterThanOrEqualTo(200);
		assertThat(Duration.ofNanos(times.get(3) - times.get(2)).toMillis()).isGreaterThanOrEqualTo(200);
	}

	@Test
	void anAttemptCutShortByAStopConcludesNothingAndALaterStartBeginsAgain() throws Exception {
		CountDownLatch inFirst = new CountDownLatch(1);
		AtomicInteger calls = new AtomicInteger();
		KafkaTopicDeclaration declaration = new KafkaTopicDeclaration(() -> {
			if (calls.incrementAndGet() == 1) {
				inFirst.countDown();
				try {
					Thread.sleep(60_000);
				}
				catch (InterruptedException ex) {
					// as KafkaAdmin does: the interrupt is swallowed and the answer is
					// true
					Thread.currentThread().interrupt();
				}
				return true;
			}
			return false;
		}, Duration.ofMillis(20), Duration.ofMillis(20));
		declaration.start();
		assertThat(inFirst.await(10, TimeUnit.SECONDS)).isTrue();
		declaration.stop();
		Thread.sleep(200);
		assertThat(declaration.declared()).as("an interrupted attempt's answer").isFalse();
		assertThat(calls).as("the stopped chain scheduled nothing").hasValue(1);

		declaration.start();
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (calls.get() < 4 && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(calls.get()).isGreaterThanOrEqualTo(4);
		assertThat(declaration.isRunning()).isTrue();
		declaration.stop();
		assertThat(declaration.declared()).isFalse();
	}

	@Test
	void theRetryIntervalMustBePositive() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new KafkaTopicDeclaration(() -> true, Duration.ZERO, Duration.ofMinutes(5)))
			.withMessageContaining("blueprint.kafka.topics.retry-interval");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new KafkaTopicDeclaration(() -> true, Duration.ofSeconds(10), Duration.ofSeconds(5)))
			.withMessageContaining("blueprint.kafka.topics.max-retry-interval");
	}

	@Test
	void theAdminWaitsLessAtStartUpUnlessTheServiceSaysOtherwise() {
		KafkaAdminDefaultsEnvironmentPostProcessor processor = new KafkaAdminDefaultsEnvironmentPostProcessor();
		StandardEnvironment environment = new StandardEnvironment();
		processor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty("spring.kafka.admin.operation-timeout")).isEqualTo("10s");
		assertThat(environment.getProperty("spring.kafka.admin.close-timeout")).isEqualTo("2s");

		StandardEnvironment own = new StandardEnvironment();
		own.getPropertySources()
			.addFirst(new MapPropertySource("application", Map.of("spring.kafka.admin.operation-timeout", "45s")));
		processor.postProcessEnvironment(own, new SpringApplication());
		assertThat(own.getProperty("spring.kafka.admin.operation-timeout")).isEqualTo("45s");
	}

	@Test
	void itIsThereOnlyForAServiceThatDeclaresTopicsAndLetsKafkaAdminCreateThem() throws Exception {
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(KafkaTopicDeclarationAutoConfiguration.class))
			.withBean(KafkaAdmin.class, KafkaTopicDeclarationTests::unreachableAdmin)
			.withPropertyValues("blueprint.kafka.topics.retry-interval=1h",
					"blueprint.kafka.topics.max-retry-interval=1h");
		runner.run((context) -> assertThat(context).doesNotHaveBean(KafkaTopicDeclaration.class));
		runner.withBean(NewTopic.class, () -> TopicBuilder.name("one").build())
			.run((context) -> assertThat(context).hasSingleBean(KafkaTopicDeclaration.class));
		runner.withBean(KafkaAdmin.NewTopics.class, () -> new KafkaAdmin.NewTopics(TopicBuilder.name("two").build()))
			.run((context) -> {
				assertThat(context).hasSingleBean(KafkaTopicDeclaration.class);
				assertThat(context.getBean(KafkaTopicDeclaration.class).isRunning()).isTrue();
				SimpleMeterRegistry registry = new SimpleMeterRegistry();
				context.getBeansOfType(MeterBinder.class).values().forEach((binder) -> binder.bindTo(registry));
				assertThat(registry.get("blueprint.kafka.topics.declared").gauge().value()).isZero();
			});
		runner.withBean(NewTopic.class, () -> TopicBuilder.name("one").build())
			.withPropertyValues("spring.kafka.admin.auto-create=false")
			.run((context) -> assertThat(context).doesNotHaveBean(KafkaTopicDeclaration.class));
	}

	private static KafkaAdmin unreachableAdmin() {
		try {
			KafkaAdmin admin = new KafkaAdmin(Map.of("bootstrap.servers", UnusedAddress.next()));
			admin.setAutoCreate(false);
			admin.setOperationTimeout(1);
			admin.setCloseTimeout(1);
			return admin;
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void awaitDeclared(KafkaTopicDeclaration declaration) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (!declaration.declared() && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(declaration.declared()).isTrue();
	}

	private static void awaitStopped(KafkaTopicDeclaration declaration) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (declaration.isRunning() && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(declaration.isRunning()).isFalse();
	}

}
