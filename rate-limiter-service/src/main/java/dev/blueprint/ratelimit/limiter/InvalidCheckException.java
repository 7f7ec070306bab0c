package dev.blueprint.ratelimit.limiter;

import dev.blueprint.platform.web.InvalidFieldException;

/** A check request that cannot be decided; {@code field} names the offending field. */
public class InvalidCheckException extends InvalidFieldException {

	public InvalidCheckException(String field, String message) {
		super(field, message);
	}

}
