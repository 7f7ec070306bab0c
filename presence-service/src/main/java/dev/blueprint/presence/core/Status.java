package dev.blueprint.presence.core;

import java.util.Locale;

/**
 * A user's presence. Others never see {@link #INVISIBLE}: it shows as {@link #OFFLINE}.
 */
public enum Status {

	ONLINE, AWAY, INVISIBLE, OFFLINE;

	/** The status as others see it. */
	public Status visible() {
		return (this == INVISIBLE) ? OFFLINE : this;
	}

	/** Online or away: the user has a live device and shows it. */
	public boolean present() {
		return this == ONLINE || this == AWAY;
	}

	/** The name in JSON and Redis: {@code online}, {@code away}, … */
	public String wire() {
		return name().toLowerCase(Locale.ROOT);
	}

	/** Reads {@link #wire()}; {@code null} for anything else. */
	public static Status fromWire(String value) {
		if (value == null) {
			return null;
		}
		for (Status status : values()) {
			if (status.wire().equals(value)) {
				return status;
			}
		}
		return null;
	}

}
