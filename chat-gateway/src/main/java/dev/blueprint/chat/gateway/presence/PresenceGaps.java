package dev.blueprint.chat.gateway.presence;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether this gateway's sessions may have missed presence changes since they were last
 * told to read presence again: a change dropped from the presence thread's full queue, or
 * the presence channel subscribed again after the connection to Redis was lost. Set from
 * any thread, taken by the presence thread ({@link PresenceRelay}) when nothing waits
 * before it, so that one notice follows a burst of losses.
 */
public final class PresenceGaps {

	private final AtomicBoolean missed = new AtomicBoolean();

	/** Changes may have been missed. */
	public void missed() {
		this.missed.set(true);
	}

	/**
	 * @return whether changes may have been missed since the last call that returned
	 * {@code true}; clears the mark
	 */
	boolean take() {
		return this.missed.getAndSet(false);
	}

}
