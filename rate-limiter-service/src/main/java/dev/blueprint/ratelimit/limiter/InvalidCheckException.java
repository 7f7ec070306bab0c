package dev.blueprint.ratelimit.limiter;

/** A check request that cannot be decided; {@code field} names the offending field. */
public class InvalidCheckException extends RuntimeException {

	private final String field;

	public InvalidCheckException(String field, String message) {
		super(message);
		this.field = field;
	}

	public String field() {
		return this.field;
	}

}
