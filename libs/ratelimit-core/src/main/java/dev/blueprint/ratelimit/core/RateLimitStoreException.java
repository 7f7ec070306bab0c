package dev.blueprint.ratelimit.core;

/** The store could not take a decision (unreachable, timed out, failed). */
public class RateLimitStoreException extends RuntimeException {

	public RateLimitStoreException(String message, Throwable cause) {
		super(message, cause);
	}

}
