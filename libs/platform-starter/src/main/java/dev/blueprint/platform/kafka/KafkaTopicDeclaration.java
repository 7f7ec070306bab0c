package dev.blueprint.platform.kafka;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Declares the service's Kafka topics again, in the background, until Kafka has them.
 * <p>
 * Spring's {@code KafkaAdmin} declares the {@code NewTopic} beans once, while the context
 * starts, and only logs an error if Kafka does not answer. A service started during a
 * Kafka outage then never declares its topics: on a cluster that does not create topics
 * on first use (every cluster of this repository), its sends and consumers fail until the
 * service is restarted. This asks once more as soon as the service has started (on a
 * healthy cluster it finds every topic present) and, while that fails, again after
 * {@code blueprint.kafka.topics.retry-interval}, doubling the wait after each failure up
 * to {@code blueprint.kafka.topics.max-retry-interval}. Each attempt is a fresh admin
 * client whose calls are bounded by the admin's operation timeout.
 * {@code blueprint.kafka.topics.declared} is 1 once the topics are declared, 0 until
 * then.
 */
public final class KafkaTopicDeclaration implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(KafkaTopicDeclaration.class);

	private final BooleanSupplier declare;

	private final Duration retryInterval;

	private final Duration maxRetryInterval;

	private volatile boolean declared;

	private final AtomicInteger attempts = new AtomicInteger();

	private ScheduledExecutorService executor;

	/**
	 * @param declare declares the topics: true once Kafka has them all; false or an
	 * exception if it could not (e.g. {@code KafkaAdmin::initialize})
	 * @param retryInterval how long to wait after the first failed attempt
	 * @param maxRetryInterval the longest wait between attempts
	 */
	public KafkaTopicDeclaration(BooleanSupplier declare, Duration retryInterval, Duration maxRetryInterval) {
		if (retryInterval.isNegative() || retryInterval.isZero()) {
			throw new IllegalArgumentException("blueprint.kafka.topics.retry-interval must be positive");
		}
		if (maxRetryInterval.compareTo(retryInterval) < 0) {
			throw new IllegalArgumentException(
					"blueprint.kafka.topics.max-retry-interval must not be shorter than retry-interval");
		}
		this.declare = declare;
		this.retryInterval = retryInterval;
		this.maxRetryInterval = maxRetryInterval;
	}

	/** Whether Kafka has confirmed every topic since this service started. */
	public boolean declared() {
		return this.declared;
	}

	/** How many attempts were made since this service started. */
	public int attempts() {
		return this.attempts.get();
	}

	@Override
	public synchronized void start() {
		if (this.executor == null && !this.declared) {
			ScheduledExecutorService own = Executors.newSingleThreadScheduledExecutor((task) -> {
				Thread thread = new Thread(task, "kafka-topic-declaration");
				thread.setDaemon(true);
				return thread;
			});
			this.executor = own;
			own.execute(() -> attempt(own, 0));
		}
	}

	/**
	 * One attempt on its own executor: a stop (and a later start with a new executor)
	 * ends this chain of attempts, whatever it was doing.
	 */
	private void attempt(ScheduledExecutorService own, int failures) {
		int attempt = this.attempts.incrementAndGet();
		long start = System.nanoTime();
		boolean confirmed = false;
		String failure;
		try {
			confirmed = this.declare.getAsBoolean();
			failure = "not confirmed";
		}
		catch (RuntimeException | LinkageError ex) {
			failure = (ex.getCause() != null) ? ex.getMessage() + ": " + ex.getCause() : ex.toString();
		}
		long millis = (System.nanoTime() - start) / 1_000_000;
		synchronized (this) {
			// A stop interrupts the attempt, and KafkaAdmin may then answer true without
			// having asked Kafka: nothing is concluded from an attempt that was stopped.
			if (this.executor != own) {
				return;
			}
			if (confirmed) {
				this.declared = true;
				if (attempt > 1) {
					logger.info("Kafka topics declared at attempt {} ({} ms)", attempt, millis);
				}
				stop(own);
				return;
			}
			Duration wait = waitAfter(failures + 1, this.retryInterval, this.maxRetryInterval);
			logger.warn("Kafka topics not declared yet, attempt {} after {} ms ({}); trying again in {} ms", attempt,
					millis, failure, wait.toMillis());
			own.schedule(() -> attempt(own, failures + 1), wait.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	/**
	 * The wait after the given number of failures in a row: the first interval, doubled
	 * after each further failure, never above the longest.
	 */
	static Duration waitAfter(int failures, Duration first, Duration longest) {
		Duration wait = first;
		for (int i = 1; i < failures && wait.compareTo(longest) < 0; i++) {
			wait = wait.multipliedBy(2);
		}
		return (wait.compareTo(longest) > 0) ? longest : wait;
	}

	private synchronized void stop(ScheduledExecutorService own) {
		own.shutdownNow();
		if (this.executor == own) {
			this.executor = null;
		}
	}

	@Override
	public synchronized void stop() {
		if (this.executor != null) {
			stop(this.executor);
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.executor != null;
	}

}
