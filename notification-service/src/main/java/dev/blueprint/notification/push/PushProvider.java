package dev.blueprint.notification.push;

import java.time.Duration;

import dev.blueprint.chat.contracts.PushDeadLettered.Push;

/**
 * Sends one push to a user's devices. Chosen by {@code notification.push.provider};
 * {@link PushDispatcher} calls it from its own threads and handles retries, so an
 * implementation makes one bounded attempt and says whether a failure is worth retrying.
 */
public interface PushProvider {

	/** The provider's name in config, metrics and dead letters. */
	String name();

	/**
	 * Makes one attempt.
	 * @throws PushException when it failed; {@link PushException#retryable()} says
	 * whether to try again
	 */
	void send(Push push) throws PushException;

	/** A failed attempt, or one not made. */
	class PushException extends Exception {

		private final boolean retryable;

		private final Duration notSentRetryIn;

		public PushException(String message, boolean retryable) {
			this(message, retryable, null);
		}

		private PushException(String message, boolean retryable, Duration notSentRetryIn) {
			super(message);
			this.retryable = retryable;
			this.notSentRetryIn = notSentRetryIn;
		}

		/**
		 * Nothing was sent (the provider's circuit breaker is open): not an attempt, and
		 * worth trying again after {@code retryIn}.
		 */
		public static PushException notSent(String message, Duration retryIn) {
			return new PushException(message, true, retryIn);
		}

		public boolean retryable() {
			return this.retryable;
		}

		/**
		 * When nothing was sent, how long to wait before trying again; {@code null} after
		 * a real attempt.
		 */
		public Duration notSentRetryIn() {
			return this.notSentRetryIn;
		}

	}

}
