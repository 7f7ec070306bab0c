package dev.blueprint.shortener.cache;

/** Redis failed, or its circuit breaker is open: callers go to Cassandra instead. */
public class CacheUnavailableException extends RuntimeException {

	CacheUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

}
