package dev.blueprint.presence.core;

import java.util.Locale;

/**
 * What a user chose to show while connected: online (the default), away, or invisible
 * (connected, but offline to everyone else). It lasts until the user changes it.
 */
public enum Choice {

	ONLINE(Status.ONLINE), AWAY(Status.AWAY), INVISIBLE(Status.INVISIBLE);

	private final Status whileConnected;

	Choice(Status whileConnected) {
		this.whileConnected = whileConnected;
	}

	/** The status of a user with this choice and at least one live device. */
	public Status whileConnected() {
		return this.whileConnected;
	}

	public String wire() {
		return name().toLowerCase(Locale.ROOT);
	}

	/** Reads {@link #wire()}; {@code null} for anything else. */
	public static Choice fromWire(String value) {
		if (value == null) {
			return null;
		}
		for (Choice choice : values()) {
			if (choice.wire().equals(value)) {
				return choice;
			}
		}
		return null;
	}

}
