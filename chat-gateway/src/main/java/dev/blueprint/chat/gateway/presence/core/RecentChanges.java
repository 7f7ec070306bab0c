package dev.blueprint.chat.gateway.presence.core;

import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * When each user's presence last changed, as this gateway received the changes: the
 * latest change of at most {@code capacity} users, the least recently changed forgotten
 * first. It answers which of a user's contacts changed while the gateway did not yet know
 * the user's contacts (between the user's connect and the gateway's first read of their
 * conversations), changes that reached no one here. Times are {@link System#nanoTime()}
 * values, passed in.
 * <p>
 * Not thread-safe: its user synchronizes.
 */
public final class RecentChanges {

	private final int capacity;

	/** userId → when their latest change was received, least recent first. */
	private final LinkedHashMap<String, Long> changes = new LinkedHashMap<>();

	/** The latest time of a change forgotten to stay within the capacity. */
	private long forgottenUpTo;

	private boolean forgotAny;

	public RecentChanges(int capacity) {
		if (capacity < 1) {
			throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
		}
		this.capacity = capacity;
	}

	/** {@code userId}'s presence changed at {@code at}. */
	public void changed(String userId, long at) {
		// moved to the end: the map stays in order of time
		this.changes.remove(userId);
		this.changes.put(userId, at);
		if (this.changes.size() > this.capacity) {
			Iterator<Map.Entry<String, Long>> oldest = this.changes.entrySet().iterator();
			long time = oldest.next().getValue();
			oldest.remove();
			if (!this.forgotAny || time - this.forgottenUpTo > 0) {
				this.forgottenUpTo = time;
			}
			this.forgotAny = true;
		}
	}

	/**
	 * Those of {@code users} whose latest change was received at or after {@code from}
	 * and before {@code until}; all of {@code users} when a change at or after
	 * {@code from} may have been forgotten (more than {@code capacity} users changed
	 * since): it cannot tell which.
	 */
	public Set<String> changedBetween(Collection<String> users, long from, long until) {
		if (this.forgotAny && this.forgottenUpTo - from >= 0) {
			return Set.copyOf(users);
		}
		Set<String> changed = new HashSet<>();
		for (String user : users) {
			Long at = this.changes.get(user);
			if (at != null && at - from >= 0 && at - until < 0) {
				changed.add(user);
			}
		}
		return changed;
	}

	/** Users whose latest change is remembered. */
	public int size() {
		return this.changes.size();
	}

}
