package dev.blueprint.notification.push;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.blueprint.chat.contracts.PushDeadLettered.Push;
import dev.blueprint.notification.push.core.RetryPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dispatcher's retry bookkeeping against a provider that makes no request: a push the
 * provider did not send (its circuit breaker open) is held back, not counted as an
 * attempt. The dead-letter topic is not reached here (no Kafka template: a dead letter's
 * send fails, and is counted and logged as such); PushIntegrationTests covers it.
 */
class PushDispatcherTests {

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final List<PushDispatcher> dispatchers = new CopyOnWriteArrayList<>();

	private final Push push = new Push(UUID.randomUUID(), "bob", UUID.randomUUID(), 2, 3, 4, UUID.randomUUID(), "alice",
			"hi", "bob:x", Instant.EPOCH, Instant.EPOCH);

	@AfterEach
	void close() {
		this.dispatchers.forEach(PushDispatcher::close);
	}

	/**
	 * Until 2026-12-06 each refusal of an open breaker used one of the push's attempts:
	 * with the defaults, a push's six attempts fell within 15-31 s while the breaker
	 * stays open 30 s, so a webhook blip that opened it dead-lettered nearly every push
	 * of the next 30 s without a request.
	 */
	@Test
	void pushesHeldBackByAnOpenBreakerAreSentOnceItLetsCallsThroughWithoutUsingAttempts() {
		AtomicInteger refusals = new AtomicInteger(5);
		AtomicInteger sent = new AtomicInteger();
		PushDispatcher dispatcher = dispatcher(
				new RetryPolicy(1, Duration.ofMillis(10), 2, Duration.ofSeconds(1), 0, Duration.ofSeconds(10)),
				(push) -> {
					if (refusals.getAndDecrement() > 0) {
						throw PushProvider.PushException.notSent("not sent: circuit breaker OPEN",
								Duration.ofMillis(50));
					}
					sent.incrementAndGet();
				});

		dispatcher.submit(this.push);

		await().atMost(Duration.ofSeconds(5)).until(() -> sent.get() == 1);
		assertThat(attempts("not-sent")).isEqualTo(5);
		assertThat(attempts("success")).isEqualTo(1);
		assertThat(attempts("dead-lettered")).isZero();
		await().atMost(Duration.ofSeconds(1)).until(() -> dispatcher.pending() == 0);
	}

	@Test
	void aPushHeldBackPastTheTotalTimeIsDeadLetteredAsTimeExhausted() {
		PushDispatcher dispatcher = dispatcher(
				new RetryPolicy(6, Duration.ofMillis(10), 2, Duration.ofSeconds(1), 0, Duration.ofMillis(300)),
				(push) -> {
					throw PushProvider.PushException.notSent("not sent: circuit breaker OPEN", Duration.ofMillis(100));
				});

		dispatcher.submit(this.push);

		// Given up as time-exhausted; without Kafka here its dead letter is not taken, so
		// it is counted as lost, not as parked for replay.
		await().atMost(Duration.ofSeconds(5))
			.until(() -> this.meters.counter("blueprint.chat.push.dead.letter.failures", "reason", "time-exhausted")
				.count() == 1);
		assertThat(this.meters.counter("blueprint.chat.push.dead.letters", "reason", "time-exhausted").count())
			.isZero();
		assertThat(attempts("not-sent")).as("held back 100 ms at a time for 300 ms").isBetween(1.0, 3.0);
		assertThat(attempts("expired")).isEqualTo(1);
		assertThat(attempts("dead-lettered")).as("no send failed").isZero();
		await().atMost(Duration.ofSeconds(1)).until(() -> dispatcher.pending() == 0);
	}

	/**
	 * An attempt that outlives the close's wait and then fails: close() has dead-lettered
	 * its push already (shutdown), so the failure neither dead-letters it again (a replay
	 * would send it twice) nor schedules a retry on the stopped timer. Without Kafka
	 * here, each dead letter counts as lost, by reason.
	 */
	@ParameterizedTest
	@ValueSource(booleans = { true, false })
	void anAttemptThatEndsAfterTheCloseLeavesItsPushToTheClosesOneDeadLetter(boolean retryable) throws Exception {
		CountDownLatch inSend = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		PushDispatcher dispatcher = dispatcher(
				new RetryPolicy(6, Duration.ofMillis(10), 2, Duration.ofSeconds(1), 0, Duration.ofSeconds(10)),
				(push) -> {
					inSend.countDown();
					// a provider call that ignores the interrupt
					while (true) {
						try {
							release.await();
							break;
						}
						catch (InterruptedException ex) {
							// keeps waiting
						}
					}
					throw new PushProvider.PushException("502 from the provider", retryable);
				});
		dispatcher.submit(this.push);
		assertThat(inSend.await(5, TimeUnit.SECONDS)).isTrue();

		dispatcher.close();
		assertThat(lost("shutdown")).isEqualTo(1);

		release.countDown();
		Thread.sleep(300);
		assertThat(lost("shutdown")).isEqualTo(1);
		assertThat(lost("rejected") + lost("attempts-exhausted") + lost("time-exhausted")).isZero();
		assertThat(dispatcher.pending()).isZero();
	}

	private double lost(String reason) {
		return this.meters.counter("blueprint.chat.push.dead.letter.failures", "reason", reason).count();
	}

	private PushDispatcher dispatcher(RetryPolicy policy, Sender sender) {
		PushProvider provider = new PushProvider() {

			@Override
			public String name() {
				return "fake";
			}

			@Override
			public void send(Push push) throws PushException {
				sender.send(push);
			}

		};
		PushDispatcher dispatcher = new PushDispatcher(provider, policy, 2, 10, null, this.meters, Clock.systemUTC());
		this.dispatchers.add(dispatcher);
		return dispatcher;
	}

	private double attempts(String outcome) {
		return this.meters.counter("blueprint.chat.push.attempts", "provider", "fake", "outcome", outcome).count();
	}

	@FunctionalInterface
	interface Sender {

		void send(Push push) throws PushProvider.PushException;

	}

}
