package dev.blueprint.notification.push;

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

	/** A failed attempt. */
	class PushException extends Exception {

		private final boolean retryable;

		public PushException(String message, boolean retryable) {
			super(message);
			this.retryable = retryable;
		}

		public boolean retryable() {
			return this.retryable;
		}

	}

}
