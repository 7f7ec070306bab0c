package dev.blueprint.ratelimit.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The queueing of {@link CoalescingRateLimitStore} against a fake store whose calls the
 * test answers by hand: what is sent, when, in which order, and who gets which answer.
 */
class CoalescingRateLimitStoreTests {

	private static final List<Limit> LIMITS = List.of(Limit.of(Algorithm.TOKEN_BUCKET, 100, Duration.ofHours(1)));

	private final FakeBatchStore fake = new FakeBatchStore();

	private final List<Caller> callers = new ArrayList<>();

	@AfterEach
	void stopCallers() {
		this.callers.forEach((caller) -> caller.thread.interrupt());
	}

	@Test
	void aLoneRequestIsSentAtOnce() throws Exception {
		CoalescingRateLimitStore store = new CoalescingRateLimitStore(this.fake);
		Caller caller = call(store, "a", LIMITS, 1);
		Call call = this.fake.next();
		assertThat(call.bucket).isEqualTo("a");
		assertThat(call.costs).containsExactly(1L);
		call.answer();
		assertThat(caller.decision().outcomes().get(0).remaining()).isEqualTo(1);
	}

	@Test
	void requestsArrivingWhileACallIsInFlightGoTogetherInArrivalOrder() throws Exception {
		CoalescingRateLimitStore store = new CoalescingRateLimitStore(this.fake);
		Caller first = call(store, "a", LIMITS, 1);
		Call call = this.fake.next();
		Caller second = call(store, "a", LIMITS, 2);
		Caller third = call(store, "a", LIMITS, 3);
		Caller fourth = call(store, "a", LIMITS, 4);
		assertThat(this.fake.calls).as("nothing more is sent while the first call is in flight").isEmpty();
		call.answer();
		Call batch = this.fake.next();
		assertThat(batch.costs).containsExactly(2L, 3L, 4L);
		batch.answer();
		assertThat(first.decision().outcomes().get(0).remaining()).isEqualTo(1);
		assertThat(second.decision().outcomes().get(0).remaining()).isEqualTo(2);
		assertThat(third.decision().outcomes().get(0).remaining()).isEqualTo(3);
		assertThat(fourth.decision().outcomes().get(0).remaining()).isEqualTo(4);
		assertThat(this.fake.calls).isEmpty();
	}

	@Test
	void aBatchHoldsAtMostMaxBatchRequests() throws Exception {
		CoalescingRateLimitStore store = new CoalescingRateLimitStore(this.fake, 2);
		call(store, "a", LIMITS, 1);
		Call call = this.fake.next();
		call(store, "a", LIMITS, 2);
		call(store, "a", LIMITS, 3);
		call(store, "a", LIMITS, 4);
		call.answer();
		Call second = this.fake.next();
		assertThat(second.costs).containsExactly(2L, 3L);
		second.answer();
		assertThat(this.fake.next().costs).containsExactly(4L);
	}

	@Test
	void otherBucketsAndOtherLimitsDoNotWait() throws Exception {
		CoalescingRateLimitStore store = new CoalescingRateLimitStore(this.fake);
		call(store, "a", LIMITS, 1);
		call(store, "b", LIMITS, 1);
		call(store, "a", List.of(Limit.of(Algorithm.FIXED_WINDOW, 5, Duration.ofSeconds(1))), 1);
		List<String> sent = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			Call call = this.fake.next();
			sent.add(call.bucket + ":" + call.limits.get(0).algorithm());
		}
		assertThat(sent).containsExactlyInAnyOrder("a:TOKEN_BUCKET", "b:TOKEN_BUCKET", "a:FIXED_WINDOW");
	}

	@Test
	void aFailedCallFailsItsRequestsAndThoseQueuedBehindItAndTheBucketGoesOn() throws Exception {
		CoalescingRateLimitStore store = new CoalescingRateLimitStore(this.fake);
		Caller first = call(store, "a", LIMITS, 1);
		Call call = this.fake.next();
		Caller second = call(store, "a", LIMITS, 2);
		Caller third = call(store, "a", LIMITS, 3);
		call.fail();
		assertThat(first.failure()).isInstanceOf(RateLimitStoreException.class).hasMessageContaining("unreachable");
		// Not sent to the store that just failed: behind a hung Redis they waited a
		// second timeout.
		assertThat(second.failure()).isInstanceOf(RateLimitStoreException.class).hasMessageContaining("unreachable");
		assertThat(third.failure()).isInstanceOf(RateLimitStoreException.class);
		assertThat(this.fake.calls).isEmpty();
		Caller later = call(store, "a", LIMITS, 5);
		this.fake.next().answer();
		assertThat(later.decision().outcomes().get(0).remaining()).isEqualTo(5);
	}

	@Test
	void aStoreThatThrowsInsteadOfFailingItsFutureFailsTheRequest() throws Exception {
		CoalescingRateLimitStore store = new CoalescingRateLimitStore((bucket, limits, costs) -> {
			throw new RateLimitStoreException("rejected while disconnected", null);
		});
		Caller caller = call(store, "a", LIMITS, 1);
		assertThat(caller.failure()).isInstanceOf(RateLimitStoreException.class)
			.hasMessageContaining("rejected while disconnected");
	}

	@Test
	void aBugInTheStoreIsNotAStoreFailure() throws Exception {
		// as a store failure it would count towards the circuit breaker of every rule
		CoalescingRateLimitStore store = new CoalescingRateLimitStore((bucket, limits, costs) -> {
			throw new ArithmeticException("long overflow");
		});
		Caller caller = call(store, "a", LIMITS, 1);
		assertThat(caller.failure()).isNotInstanceOf(RateLimitStoreException.class)
			.isInstanceOf(IllegalStateException.class)
			.hasRootCauseInstanceOf(ArithmeticException.class);
	}

	@Test
	void anAnswerWithTheWrongNumberOfDecisionsFailsTheBatch() throws Exception {
		CoalescingRateLimitStore store = new CoalescingRateLimitStore(this.fake);
		Caller caller = call(store, "a", LIMITS, 1);
		this.fake.next().future.complete(List.of());
		assertThat(caller.failure()).isInstanceOf(RateLimitStoreException.class)
			.hasMessageContaining("0 decisions for 1 requests");
	}

	@Test
	void badInputFailsAloneBeforeJoiningABatch() {
		CoalescingRateLimitStore store = new CoalescingRateLimitStore(this.fake);
		assertThatIllegalArgumentException().isThrownBy(() -> store.acquire("a", LIMITS, 0));
		assertThatIllegalArgumentException().isThrownBy(() -> store.acquire("a", List.of(), 1));
		assertThat(this.fake.calls).isEmpty();
	}

	/**
	 * Starts a request on its own thread and returns once it waits, that is, once it has
	 * been sent or queued.
	 */
	private Caller call(RateLimitStore store, String bucket, List<Limit> limits, long cost)
			throws InterruptedException {
		Caller caller = new Caller(store, bucket, limits, cost);
		this.callers.add(caller);
		caller.thread.start();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (caller.thread.getState() != Thread.State.WAITING && caller.thread.isAlive()) {
			assertThat(System.nanoTime()).as("the request waits within 5 s").isLessThan(deadline);
			Thread.sleep(1);
		}
		return caller;
	}

	private static final class Caller {

		private final AtomicReference<Object> result = new AtomicReference<>();

		private final Thread thread;

		Caller(RateLimitStore store, String bucket, List<Limit> limits, long cost) {
			this.thread = new Thread(() -> {
				try {
					this.result.set(store.acquire(bucket, limits, cost));
				}
				catch (RuntimeException ex) {
					this.result.set(ex);
				}
			});
		}

		Decision decision() throws InterruptedException {
			this.thread.join(5_000);
			assertThat(this.result.get()).isInstanceOf(Decision.class);
			return (Decision) this.result.get();
		}

		Throwable failure() throws InterruptedException {
			this.thread.join(5_000);
			assertThat(this.result.get()).isInstanceOf(Throwable.class);
			return (Throwable) this.result.get();
		}

	}

	/** Records each call; the test completes it. */
	private static final class FakeBatchStore implements BatchRateLimitStore {

		private final BlockingQueue<Call> calls = new LinkedBlockingQueue<>();

		@Override
		public CompletionStage<List<Decision>> acquireAll(String bucket, List<Limit> limits, List<Long> costs) {
			Call call = new Call(bucket, limits, costs);
			this.calls.add(call);
			return call.future;
		}

		Call next() throws InterruptedException {
			Call call = this.calls.poll(5, TimeUnit.SECONDS);
			assertThat(call).as("a call to the store within 5 s").isNotNull();
			return call;
		}

	}

	private static final class Call {

		private final String bucket;

		private final List<Limit> limits;

		private final List<Long> costs;

		private final CompletableFuture<List<Decision>> future = new CompletableFuture<>();

		Call(String bucket, List<Limit> limits, List<Long> costs) {
			this.bucket = bucket;
			this.limits = limits;
			this.costs = costs;
		}

		/** Answers each request with a decision whose remaining permits are its cost. */
		void answer() {
			this.future.complete(this.costs.stream()
				.map((cost) -> new Decision(true, List.of(new LimitOutcome(this.limits.get(0), true, cost, 0, 0))))
				.toList());
		}

		void fail() {
			this.future.completeExceptionally(new RateLimitStoreException("Redis unreachable", null));
		}

	}

}
