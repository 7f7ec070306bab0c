package dev.blueprint.platform.kafka;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Declares the service's Kafka topics again, in the background, until Kafka has them.
 * <p>
 * Spring's {@code KafkaAdmin} declares the {@code NewTopic} beans once, while the context
 * starts, and only logs an error if Kafka does not answer. A service started during a
 * Kafka outage then never declares its topics: on a cluster that creates topics on first
 * use they appear with the broker's default partition count (and no dead-letter topics
 * until something writes there); on one that does not, every send fails until the service
 * is restarted. This asks once more as soon as the service has started (on a healthy
 * cluster one round trip that finds every topic present) and, while that fails, every
 * {@code blueprint.kafka.topics.retry-interval}. Each attempt is bounded by the admin's
 * operation timeout. {@code blueprint.kafka.topics.declared} is 1 once the topics are
 * declared, 0 until then.
 */
public final class KafkaTopicDeclaration implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(KafkaTopicDeclaration.class);

	private final BooleanSupplier declare;

	private final Duration retryInterval;

	private volatile boolean declared;

	private volatile int attempts;

	private volatile ScheduledExecutorService executor;

	/**
	 * @param declare declares the topics: true once Kafka has them all; false or an
	 * exception if it could not (e.g. {@code KafkaAdmin::initialize})
	 * @param retryInterval how long to wait after a failed attempt
	 */
	public KafkaTopicDeclaration(BooleanSupplier declare, Duration retryInterval) {
		if (retryInterval.isNegative() || retryInterval.isZero()) {
			throw new IllegalArgumentException("blueprint.kafka.topics.retry-interval must be positive");
		}
		this.declare = declare;
		this.retryInterval = retryInterval;
	}

	/** Whether Kafka has confirmed every topic since this service started. */
	public boolean declared() {
		return this.declared;
	}

	/** How many attempts were made since this service started. */
	public int attempts() {
		return this.attempts;
	}

	@Override
	public synchronized void start() {
		if (this.executor == null && !this.declared) {
			this.executor = Executors.newSingleThreadScheduledExecutor((task) -> {
				Thread thread = new Thread(task, "kafka-topic-declaration");
				thread.setDaemon(true);
				return thread;
			});
			this.executor.execute(this::attempt);
		}
	}

	private void attempt() {
		this.attempts++;
		long start = System.nanoTime();
		String failure;
		try {
			this.declared = this.declare.getAsBoolean();
			failure = this.declared ? null : "not confirmed";
		}
		catch (RuntimeException ex) {
			failure = (ex.getCause() != null) ? ex.getMessage() + ": " + ex.getCause() : ex.toString();
		}
		long millis = (System.nanoTime() - start) / 1_000_000;
		if (this.declared) {
			if (this.attempts > 1) {
				logger.info("Kafka topics declared at attempt {} ({} ms)", this.attempts, millis);
			}
			stopExecutor();
			return;
		}
		logger.warn("Kafka topics not declared yet, attempt {} after {} ms ({}); trying again in {} ms", this.attempts,
				millis, failure, this.retryInterval.toMillis());
		ScheduledExecutorService current = this.executor;
		if (current != null) {
			try {
				current.schedule(this::attempt, this.retryInterval.toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (RejectedExecutionException ex) {
				// stopped meanwhile: the service is shutting down
			}
		}
	}

	private synchronized void stopExecutor() {
		if (this.executor != null) {
			this.executor.shutdownNow();
			this.executor = null;
		}
	}

	@Override
	public void stop() {
		stopExecutor();
	}

	@Override
	public boolean isRunning() {
		return this.executor != null;
	}

}
