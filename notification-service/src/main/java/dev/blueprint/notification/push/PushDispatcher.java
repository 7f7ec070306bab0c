package dev.blueprint.notification.push;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.blueprint.chat.contracts.PushDeadLettered;
import dev.blueprint.chat.contracts.PushDeadLettered.Push;
import dev.blueprint.notification.push.core.RetryPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.kafka.core.KafkaTemplate;

/**
 * Sends pushes off the caller's thread, with retries, and dead-letters the ones it gives
 * up on. Nothing here ever waits on the provider in the caller's thread: {@link #submit}
 * only records the push and hands it to the pool.
 * <ul>
 * <li><b>Collapsing.</b> At most one push per collapse key (user and conversation) is
 * pending. A newer push for a key that is waiting or retrying replaces its content, so
 * the provider is sent the latest count and never a backlog of stale ones; the pending
 * push keeps its attempts and deadline.</li>
 * <li><b>Bounded.</b> At most {@code capacity} keys are pending; a push beyond that is
 * dead-lettered at once ({@code overflow}), so a dead provider costs memory for
 * {@code capacity} pushes, no more.</li>
 * <li><b>Retries</b> follow a {@link RetryPolicy} (exponential back-off with jitter,
 * bounded attempts and total time); waits are scheduled, no thread sleeps. A hanging
 * provider holds one of {@code concurrency} threads for its timeout.</li>
 * <li><b>Dead letters</b> ({@link PushDeadLettered} on {@value PushDeadLettered#TOPIC})
 * carry the whole push for a replay.</li>
 * </ul>
 * Pending pushes live in memory: a crash loses them (the notifications themselves are
 * stored, and listed by the REST API); a shutdown dead-letters them ({@link #close}).
 */
public class PushDispatcher implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(PushDispatcher.class);

	private final PushProvider provider;

	private final RetryPolicy policy;

	private final int capacity;

	private final KafkaTemplate<String, String> kafka;

	private final Clock clock;

	private final ExecutorService workers;

	private final ScheduledExecutorService timer;

	private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();

	private final JsonMapper json = JsonMapper.builder().build();

	private final Counter succeeded;

	private final Counter retried;

	private final Counter failedForGood;

	/** Pushes held back until their total time ran out, never sent. */
	private final Counter expired;

	private final Counter heldBack;

	private final MeterRegistry meters;

	/** The dead-letter reason of a push still pending when the service stopped. */
	static final String SHUTDOWN = "shutdown";

	/**
	 * How long {@link #close} waits for the attempts in flight to end once interrupted,
	 * before it dead-letters what is pending.
	 */
	public static final Duration CLOSE_WAIT = Duration.ofSeconds(1);

	/**
	 * How long {@link #close} hands the pending pushes' dead letters to Kafka: at
	 * shutdown, while Kafka is unreachable, each send would block for the producer's
	 * {@code max.block.ms}.
	 */
	public static final Duration DEAD_LETTER_SENDS = Duration.ofSeconds(2);

	/** Set once {@link #close} begins: nothing more is sent or scheduled. */
	private volatile boolean closed;

	/** Guards {@link #drained} against a push given up at the same time. */
	private final Object drain = new Object();

	/** Whether {@link #close} has taken the pending pushes to dead-letter them. */
	private boolean drained;

	private static final List<String> DEAD_LETTER_REASONS = List.of("overflow", "rejected", "attempts-exhausted",
			"time-exhausted", SHUTDOWN);

	public PushDispatcher(PushProvider provider, RetryPolicy policy, int concurrency, int capacity,
			KafkaTemplate<String, String> kafka, MeterRegistry meters, Clock clock) {
		this.provider = provider;
		this.policy = policy;
		this.capacity = capacity;
		this.kafka = kafka;
		this.clock = clock;
		this.meters = meters;
		this.workers = Executors.newFixedThreadPool(concurrency, threads("push-"));
		this.timer = Executors.newSingleThreadScheduledExecutor(threads("push-retry-"));
		this.succeeded = attempts("success");
		this.retried = attempts("retry");
		this.failedForGood = attempts("dead-lettered");
		this.heldBack = attempts("not-sent");
		this.expired = attempts("expired");
		// At 0 from the start, so a rate over them is 0 before the first, not no data.
		for (String reason : DEAD_LETTER_REASONS) {
			deadLetters(reason);
			deadLetterFailures(reason);
		}
		Gauge.builder("blueprint.chat.push.pending", this.pending, ConcurrentHashMap::size)
			.description("Pushes waiting to be sent or retried")
			.register(meters);
	}

	private Counter deadLetters(String reason) {
		return Counter.builder("blueprint.chat.push.dead.letters")
			.description("Pushes given up and sent to the dead-letter topic, by reason")
			.tag("reason", reason)
			.register(this.meters);
	}

	private Counter deadLetterFailures(String reason) {
		return Counter.builder("blueprint.chat.push.dead.letter.failures")
			.description("Pushes given up whose dead letter Kafka did not take (not replayable), by reason")
			.tag("reason", reason)
			.register(this.meters);
	}

	private Counter attempts(String outcome) {
		return Counter.builder("blueprint.chat.push.attempts")
			.description("Push attempts by outcome: success, retry (failed, will be retried), "
					+ "dead-lettered (failed, given up), not-sent (held back while the provider's circuit "
					+ "breaker is open, not an attempt), expired (held back until its total time ran out, given "
					+ "up without an attempt)")
			.tag("provider", this.provider.name())
			.tag("outcome", outcome)
			.register(this.meters);
	}

	private static ThreadFactory threads(String prefix) {
		AtomicInteger count = new AtomicInteger();
		return (runnable) -> {
			Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
	}

	public String providerName() {
		return this.provider.name();
	}

	/** Pushes waiting to be sent or retried. */
	public int pending() {
		return this.pending.size();
	}

	/** Queues a push; returns at once. */
	public void submit(Push push) {
		String key = push.collapseKey();
		boolean[] created = new boolean[1];
		this.pending.compute(key, (k, current) -> {
			if (current == null) {
				created[0] = true;
				return new Pending(push);
			}
			current.push = push;
			return current;
		});
		if (!created[0]) {
			return;
		}
		if (this.pending.size() > this.capacity) {
			this.pending.remove(key);
			deadLetter(push, 0, "overflow", "more than " + this.capacity + " pushes pending", null);
			return;
		}
		if (this.closed) {
			synchronized (this.drain) {
				// Still here after close() drained the pending pushes: nobody would send
				// it (before, close() takes it).
				if (this.drained && this.pending.remove(key) != null) {
					park(push, 0, SHUTDOWN, "the service is stopping", null);
				}
			}
			return;
		}
		execute(() -> this.workers.execute(() -> attempt(key)));
	}

	private void attempt(String key) {
		Pending entry = this.pending.get(key);
		if (entry == null) {
			return;
		}
		Push push = entry.push;
		if (entry.firstAttemptAt == null) {
			entry.firstAttemptAt = this.clock.instant();
		}
		try {
			this.provider.send(push);
			this.succeeded.increment();
			finish(key, entry, push);
		}
		catch (PushProvider.PushException ex) {
			if (ex.notSentRetryIn() != null) {
				notSent(key, entry, push, ex);
				return;
			}
			entry.attempts++;
			if (!ex.retryable()) {
				this.failedForGood.increment();
				give(key, entry, push, "rejected", ex.getMessage());
				return;
			}
			RetryPolicy.Next next = this.policy.next(entry.attempts,
					Duration.between(entry.firstAttemptAt, this.clock.instant()),
					() -> ThreadLocalRandom.current().nextDouble());
			if (next.retry()) {
				this.retried.increment();
				logger.debug("Push {} failed ({}); retry {} in {}", key, ex.getMessage(), entry.attempts, next.delay());
				attemptLater(key, next.delay());
			}
			else {
				this.failedForGood.increment();
				give(key, entry, push, (next.verdict() == RetryPolicy.Verdict.ATTEMPTS_EXHAUSTED) ? "attempts-exhausted"
						: "time-exhausted", ex.getMessage());
			}
		}
		catch (RuntimeException ex) {
			entry.attempts++;
			this.failedForGood.increment();
			logger.warn("Push provider {} failed unexpectedly", this.provider.name(), ex);
			give(key, entry, push, "rejected", ex.toString());
		}
	}

	/**
	 * The provider did not send the push (its circuit breaker is open): tried again once
	 * it may take calls, without using an attempt, so a short outage that opened the
	 * breaker only delays pushes, up to the policy's total time.
	 */
	private void notSent(String key, Pending entry, Push push, PushProvider.PushException ex) {
		RetryPolicy.Next next = this.policy.notSent(Duration.between(entry.firstAttemptAt, this.clock.instant()),
				ex.notSentRetryIn(), () -> ThreadLocalRandom.current().nextDouble());
		if (next.retry()) {
			this.heldBack.increment();
			logger.debug("Push {} not sent ({}); trying again in {}", key, ex.getMessage(), next.delay());
			attemptLater(key, next.delay());
		}
		else {
			// Given up without an attempt: not a failed send.
			this.expired.increment();
			give(key, entry, push, "time-exhausted", ex.getMessage());
		}
	}

	private void attemptLater(String key, Duration delay) {
		// Stopping: the push stays pending, for close() to dead-letter.
		execute(() -> this.timer.schedule(() -> execute(() -> this.workers.execute(() -> attempt(key))),
				delay.toMillis(), TimeUnit.MILLISECONDS));
	}

	/**
	 * Runs {@code task} unless the dispatcher is closing (its push then stays pending).
	 */
	private void execute(Runnable task) {
		if (this.closed) {
			return;
		}
		try {
			task.run();
		}
		catch (RejectedExecutionException ex) {
			// closed meanwhile
		}
	}

	/**
	 * Done with what was sent; if a newer push replaced it meanwhile, that one is sent
	 * next, with fresh attempts.
	 */
	private void finish(String key, Pending entry, Push sent) {
		boolean[] newer = new boolean[1];
		this.pending.computeIfPresent(key, (k, current) -> {
			if (current != entry) {
				return current;
			}
			if (current.push == sent) {
				return null;
			}
			current.attempts = 0;
			current.firstAttemptAt = null;
			newer[0] = true;
			return current;
		});
		if (newer[0]) {
			execute(() -> this.workers.execute(() -> attempt(key)));
		}
	}

	/**
	 * Gives up on the push that was sent; if a newer push replaced it meanwhile, that one
	 * is sent next, with fresh attempts (what was refused is the older one).
	 */
	private void give(String key, Pending entry, Push sent, String reason, String error) {
		synchronized (this.drain) {
			if (this.drained) {
				// close() took it as pending and dead-lettered it (shutdown)
				return;
			}
			deadLetter(sent, entry.attempts, reason, error, entry.firstAttemptAt);
			finish(key, entry, sent);
		}
	}

	private void deadLetter(Push push, int attempts, String reason, String error, Instant firstAttemptAt) {
		logger.warn("Dead-lettering the push of notification {} to {} after {} attempt(s): {} ({})",
				push.notificationId(), push.userId(), attempts, reason, error);
		park(push, attempts, reason, error, firstAttemptAt);
	}

	/** Sends a push's dead letter; counted once Kafka has it, or as lost. */
	private void park(Push push, int attempts, String reason, String error, Instant firstAttemptAt) {
		PushDeadLettered record = new PushDeadLettered(push, this.provider.name(), attempts, reason, error,
				firstAttemptAt, this.clock.instant());
		// Counted once Kafka has it: a push counted as parked for replay must be there.
		try {
			this.kafka.send(PushDeadLettered.TOPIC, push.userId(), this.json.writeValueAsString(record))
				.whenComplete((result, failure) -> {
					if (failure != null) {
						lost(push, reason, failure);
					}
					else {
						deadLetters(reason).increment();
					}
				});
		}
		catch (RuntimeException ex) {
			lost(push, reason, ex);
		}
	}

	private void lost(Push push, String reason, Throwable failure) {
		deadLetterFailures(reason).increment();
		logger.error("Could not dead-letter the push of notification {} ({}): {}; the notification stays listed",
				push.notificationId(), reason, failure.toString());
	}

	/**
	 * Stops sending, and dead-letters the pushes still pending (reason {@code shutdown}),
	 * so a replay can send them: until 2026-12-07 a rolling restart dropped every push
	 * waiting for a retry (up to {@code retry.max-total}, 2 min) or for a worker. Waits
	 * up to {@link #CLOSE_WAIT} for the attempts in flight to end (an interrupted webhook
	 * call may still have reached the provider: its push is dead-lettered too, and a
	 * replay sends it again, as after any failed attempt). Hands dead letters to Kafka
	 * for at most {@link #DEAD_LETTER_SENDS} (one send may block the producer's
	 * {@code max.block.ms} past it while Kafka is unreachable); those it could not hand
	 * over are counted as lost. Then waits until Kafka has them, at most the producer's
	 * {@code delivery.timeout.ms}. An attempt that ends after this drained the pending
	 * pushes leaves its push to it: dead-lettered once.
	 */
	@Override
	public void close() {
		this.closed = true;
		this.timer.shutdownNow();
		this.workers.shutdownNow();
		try {
			this.workers.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		List<Pending> left;
		synchronized (this.drain) {
			left = List.copyOf(this.pending.values());
			this.pending.clear();
			this.drained = true;
		}
		if (left.isEmpty()) {
			return;
		}
		long sendUntil = System.nanoTime() + DEAD_LETTER_SENDS.toNanos();
		int handed = 0;
		for (Pending entry : left) {
			if (System.nanoTime() - sendUntil >= 0) {
				break;
			}
			park(entry.push, entry.attempts, SHUTDOWN, "the service stopped before it was sent", entry.firstAttemptAt);
			handed++;
		}
		logger.warn("Stopping with {} push(es) pending: dead-lettered (reason shutdown) for a replay; their "
				+ "notifications stay listed", handed);
		if (handed < left.size()) {
			deadLetterFailures(SHUTDOWN).increment(left.size() - handed);
			logger.error("Could not hand {} of the {} pending pushes' dead letters to Kafka within {}; their "
					+ "notifications stay listed", left.size() - handed, left.size(), DEAD_LETTER_SENDS);
		}
		if (this.kafka != null) {
			try {
				this.kafka.flush();
			}
			catch (RuntimeException ex) {
				logger.warn("Could not flush the dead letters of the pending pushes: {}", ex.toString());
			}
		}
	}

	/** A collapse key's push in flight: its latest content and its retry state. */
	private static final class Pending {

		volatile Push push;

		volatile int attempts;

		volatile Instant firstAttemptAt;

		Pending(Push push) {
			this.push = push;
		}

	}

}
