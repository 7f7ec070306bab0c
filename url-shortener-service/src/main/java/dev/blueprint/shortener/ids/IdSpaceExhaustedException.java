package dev.blueprint.shortener.ids;

/** Every ID of the space has been leased. */
public class IdSpaceExhaustedException extends RuntimeException {

	public IdSpaceExhaustedException(long space) {
		super("all " + space + " IDs have been leased");
	}

}
