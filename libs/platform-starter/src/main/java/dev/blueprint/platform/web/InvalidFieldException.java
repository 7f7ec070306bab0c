package dev.blueprint.platform.web;

/**
 * A request field or parameter is missing or invalid: a 400 problem naming it
 * ({@link Problems#invalidField(InvalidFieldException)}). Nothing has been changed when
 * it is thrown.
 */
public class InvalidFieldException extends RuntimeException {

	private final String field;

	public InvalidFieldException(String field, String message) {
		super(message);
		this.field = field;
	}

	/** The field or parameter, as the client wrote it. */
	public String field() {
		return this.field;
	}

}
