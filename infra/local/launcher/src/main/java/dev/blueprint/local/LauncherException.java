package dev.blueprint.local;

/**
 * A failure the launcher reports to its user as one clear message, without a stack trace.
 */
public class LauncherException extends RuntimeException {

	public LauncherException(String message) {
		super(message);
	}

	public LauncherException(String message, Throwable cause) {
		super(message, cause);
	}

}
