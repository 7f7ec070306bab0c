package dev.blueprint.ratelimit.rules;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;

/**
 * Keeps this instance's rules equal to the runtime rules in Redis: loads them at
 * start-up, reloads on every change message, and re-checks every few seconds in case a
 * message was missed (pub/sub does not deliver to a disconnected subscriber).
 */
class RuleSynchronizer implements MessageListener, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RuleSynchronizer.class);

	private final RuleStore store;

	private final Rules rules;

	private final long reconcileMillis;

	private ScheduledExecutorService scheduler;

	RuleSynchronizer(RuleStore store, Rules rules, long reconcileMillis) {
		this.store = store;
		this.rules = rules;
		this.reconcileMillis = reconcileMillis;
	}

	@Override
	public void onMessage(Message message, byte[] pattern) {
		reload();
	}

	/**
	 * Applies the rules stored in Redis if they differ from those in force.
	 * @return whether they were read (false: Redis unreachable, or a document this
	 * version cannot read; what is in force stays)
	 */
	synchronized boolean reload() {
		try {
			this.store.load().ifPresentOrElse((stored) -> {
				if (!this.rules.inForce(stored.version(), stored.rules())) {
					this.rules.apply(stored.version(), stored.rules());
					logger.info("Rate-limit rules version " + stored.version() + " in force");
				}
			}, () -> {
				if (this.rules.version() != 0) {
					this.rules.revertToConfigured();
					logger.info("Runtime rate-limit rules deleted; configured rules in force");
				}
			});
		}
		catch (RuntimeException ex) {
			// Redis unreachable or a stored document this version cannot read: keep what
			// is in force
			logger.warn("Could not reload rate-limit rules: " + ex.getMessage());
			return false;
		}
		return true;
	}

	@Override
	public void start() {
		reload();
		this.scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "ratelimit-rules");
			thread.setDaemon(true);
			return thread;
		});
		this.scheduler.scheduleWithFixedDelay(this::reload, this.reconcileMillis, this.reconcileMillis,
				TimeUnit.MILLISECONDS);
	}

	@Override
	public void stop() {
		this.scheduler.shutdownNow();
		this.scheduler = null;
	}

	@Override
	public boolean isRunning() {
		return this.scheduler != null;
	}

}
