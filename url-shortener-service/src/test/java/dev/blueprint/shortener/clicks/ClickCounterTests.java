package dev.blueprint.shortener.clicks;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.datastax.oss.driver.api.core.DriverTimeoutException;
import dev.blueprint.shortener.storage.CassandraClickStore;
import dev.blueprint.shortener.storage.CassandraClickStore.Increment;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * A flush that writes straight to Cassandra (Redis down, or no buffer) while Cassandra
 * hangs, fails or is refused by its breaker: it ends within its limit, and every click is
 * written by a later flush. Before 2026-12-07 one flush of 100,000 code-days waited up to
 * 10 s per round of 8 batches, about an hour. Against the real Cassandra:
 * {@code ClickRollupIntegrationTests.withoutTheBufferFlushesWriteEveryCodeDayToCassandraInBatches}.
 */
class ClickCounterTests {

	private static final Duration LIMIT = Duration.ofMillis(300);

	/** 1,000 code-days: 32 counter batches, four times the batches in flight. */
	private static final int CODES = 1000;

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final CircuitBreaker breaker = CircuitBreaker.ofDefaults("cassandra");

	private final FakeClickStore cassandra = new FakeClickStore();

	private final ClickCounter counter = new ClickCounter(this.cassandra.store, null, this.breaker,
			Clock.fixed(Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC), 100_000, LIMIT, this.meters);

	@Test
	void aFlushToAHungCassandraEndsAtItsLimitAndLosesNoClick() {
		recordClicks();
		this.cassandra.answer(CompletableFuture::new);

		long took = timed(this.counter::flush);

		assertThat(Duration.ofNanos(took)).isBetween(LIMIT, LIMIT.plusSeconds(2));
		// the batches in flight hold their places; nothing more was sent
		assertThat(this.cassandra.sent).hasSize(ClickCounter.IN_FLIGHT);
		int inFlight = ClickCounter.IN_FLIGHT * CassandraClickStore.BATCH;
		assertThat(deferred()).isEqualTo(CODES - inFlight);

		// still hung at the next flush: it sends nothing and ends at its limit too
		took = timed(this.counter::flush);
		assertThat(Duration.ofNanos(took)).isBetween(LIMIT, LIMIT.plusSeconds(2));
		assertThat(this.cassandra.sent).hasSize(ClickCounter.IN_FLIGHT);

		// the driver's timeout ends the hung batches: their sums go back into memory
		this.cassandra.sent.forEach((write) -> write.completeExceptionally(new DriverTimeoutException("timed out")));
		assertThat(this.breaker.getMetrics().getNumberOfFailedCalls()).as("left to the requests the breaker guards")
			.isZero();
		assertThat(this.meters.get("blueprint.shortener.clicks.flush.failures").counter().count()).isEqualTo(inFlight);

		this.cassandra.answer(() -> CompletableFuture.completedFuture(null));
		this.counter.flush();

		assertEveryClickWrittenOnce();
	}

	@Test
	void aFlushStopsAtTheFirstFailedBatchAndTheNextWritesTheRest() {
		recordClicks();
		this.cassandra.answer(() -> CompletableFuture.failedFuture(new DriverTimeoutException("timed out")));

		this.counter.flush();

		assertThat(this.cassandra.sent).hasSize(1);
		assertThat(deferred()).isEqualTo(CODES - CassandraClickStore.BATCH);

		this.cassandra.answer(() -> CompletableFuture.completedFuture(null));
		this.counter.flush();

		assertEveryClickWrittenOnce();
		assertThat(this.breaker.getMetrics().getNumberOfBufferedCalls()).as("no call recorded in the breaker").isZero();
	}

	/**
	 * With Redis down and every redirect answered from the near-cache, nothing else calls
	 * Cassandra: a flush that left the trial calls to the requests (before 2026-12-07)
	 * held every click until one came, and lost them at shutdown.
	 */
	@Test
	void whileTheCassandraBreakerIsHalfOpenAFlushMakesItsTrialCallsOneAtATimeAndClosesIt() {
		recordClicks();
		List<Integer> inFlightAtSend = new CopyOnWriteArrayList<>();
		this.cassandra.answer(() -> {
			inFlightAtSend.add((int) this.cassandra.sent.stream().filter((write) -> !write.isDone()).count());
			return CompletableFuture.supplyAsync(() -> null,
					CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS));
		});
		this.breaker.transitionToOpenState();
		this.breaker.transitionToHalfOpenState();
		int trials = this.breaker.getCircuitBreakerConfig().getPermittedNumberOfCallsInHalfOpenState();

		this.counter.flush();

		assertThat(this.breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
		assertThat(inFlightAtSend.subList(0, trials)).as("no trial sent while another was in flight").containsOnly(0);
		assertThat(inFlightAtSend.subList(trials, inFlightAtSend.size())).as("then as many as closed allows")
			.anyMatch((inFlight) -> inFlight > 0);
		assertEveryClickWrittenOnce();
	}

	@Test
	void aFailedTrialOfTheFlushCountsInTheHalfOpenBreakerAndTheRestIsKept() {
		recordClicks();
		this.cassandra.answer(() -> CompletableFuture.failedFuture(new DriverTimeoutException("timed out")));
		this.breaker.transitionToOpenState();
		this.breaker.transitionToHalfOpenState();

		this.counter.flush();

		assertThat(this.cassandra.sent).hasSize(1);
		assertThat(this.breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
		assertThat(deferred()).isEqualTo(CODES - CassandraClickStore.BATCH);

		this.cassandra.answer(() -> CompletableFuture.completedFuture(null));
		this.breaker.transitionToClosedState();
		this.counter.flush();

		assertEveryClickWrittenOnce();
	}

	/**
	 * A trial a flush stopped waiting for (at its time limit) is still the flushes' one:
	 * the next flush takes no other, and the requests keep theirs.
	 */
	@Test
	void theFlushesHoldOneTrialCallAtATimeAcrossFlushes() {
		recordClicks();
		this.cassandra.answer(CompletableFuture::new);
		this.breaker.transitionToOpenState();
		this.breaker.transitionToHalfOpenState();

		this.counter.flush();
		this.counter.flush();

		assertThat(this.cassandra.sent).as("the hung trial only").hasSize(1);
		int trials = this.breaker.getCircuitBreakerConfig().getPermittedNumberOfCallsInHalfOpenState();
		for (int i = 1; i < trials; i++) {
			assertThat(this.breaker.tryAcquirePermission()).as("the requests' trial calls").isTrue();
		}
		this.cassandra.sent.get(0).complete(null);
		assertThat(this.breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
	}

	@Test
	void whileTheRequestsHoldEveryTrialCallAFlushSendsNothing() {
		recordClicks();
		this.cassandra.answer(() -> CompletableFuture.completedFuture(null));
		this.breaker.transitionToOpenState();
		this.breaker.transitionToHalfOpenState();
		int trials = this.breaker.getCircuitBreakerConfig().getPermittedNumberOfCallsInHalfOpenState();
		for (int i = 0; i < trials; i++) {
			assertThat(this.breaker.tryAcquirePermission()).isTrue();
		}

		this.counter.flush();

		assertThat(this.cassandra.sent).isEmpty();
		assertThat(deferred()).isEqualTo(CODES);
		this.breaker.transitionToClosedState();
		this.counter.flush();
		// the emptied code-days leave memory over the next two flushes
		this.counter.flush();
		this.counter.flush();
		assertThat(this.counter.settled()).as("every place in flight given back").isTrue();
		assertEveryClickWrittenOnce();
	}

	@Test
	void whileTheCassandraBreakerIsOpenAFlushSendsNothingAndKeepsEveryClick() {
		recordClicks();
		this.cassandra.answer(() -> CompletableFuture.completedFuture(null));
		this.breaker.transitionToOpenState();

		long took = timed(this.counter::flush);

		assertThat(Duration.ofNanos(took)).isLessThan(LIMIT);
		assertThat(this.cassandra.sent).isEmpty();
		assertThat(deferred()).isEqualTo(CODES);

		this.breaker.transitionToClosedState();
		this.counter.flush();

		assertEveryClickWrittenOnce();
	}

	/** Code {@code i} is clicked {@code 1 + i % 5} times. */
	private void recordClicks() {
		for (int i = 0; i < CODES; i++) {
			for (int click = 0; click <= i % 5; click++) {
				this.counter.record("code" + i);
			}
		}
	}

	private void assertEveryClickWrittenOnce() {
		assertThat(this.cassandra.written).hasSize(CODES);
		for (int i = 0; i < CODES; i++) {
			assertThat(this.cassandra.written.get("code" + i)).as("code" + i).isEqualTo(1L + i % 5);
		}
		// nothing left in memory: the next flush finds only emptied code-days
		this.counter.flush();
		assertThat(pending()).isZero();
	}

	private double deferred() {
		return this.meters.get("blueprint.shortener.clicks.flush.deferred").counter().count();
	}

	private double pending() {
		return this.meters.get("blueprint.shortener.clicks.pending").gauge().value();
	}

	private static long timed(Runnable action) {
		long start = System.nanoTime();
		action.run();
		return System.nanoTime() - start;
	}

	/**
	 * Cassandra's counters as told: each batch answers with the future given, and counts
	 * as written once that future succeeds.
	 */
	private static final class FakeClickStore {

		final CassandraClickStore store = mock(CassandraClickStore.class);

		final List<CompletableFuture<Void>> sent = new CopyOnWriteArrayList<>();

		final Map<String, Long> written = new ConcurrentHashMap<>();

		void answer(Supplier<CompletableFuture<Void>> outcome) {
			this.sent.clear();
			given(this.store.add(anyList())).willAnswer((invocation) -> {
				List<Increment> increments = invocation.getArgument(0);
				CompletableFuture<Void> write = outcome.get();
				this.sent.add(write);
				return write.thenRun(() -> increments
					.forEach((increment) -> this.written.merge(increment.code(), increment.clicks(), Long::sum)));
			});
		}

	}

}
