package dev.blueprint.presence;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Every setting of presence-service, with its default.
 *
 * @param sessionLease how long a device counts without a heartbeat: the gateways'
 * {@code gateway.session-lease} (the two must match; at least 1 ms)
 * @param sweepInterval how often this instance looks for users due an evaluation (a
 * disconnect or a lease running out shows within this)
 * @param sweepBatch most users one sweep evaluates (the rest wait for the next); 1 to
 * 10,000, as one Lua call claims them and Redis runs nothing else meanwhile
 * @param claimTimeout how long a claimed user waits before another instance may evaluate
 * it (when this one died mid-sweep)
 * @param retention how long a user's presence (last seen; an online choice) is kept after
 * its last change (at least 1 ms); away or invisible is kept until the user changes it
 * @param maxQueryUsers most user ids in one bulk query; 1 to 1,000, as a query costs one
 * rate-limit token however many it names, and its reads hold a pooled Redis connection
 * @param contacts where the caller's contacts come from
 * @param recoveryGrace how long, once sweeps succeed again after failing (Redis
 * unreachable), a user whose leases ran out meanwhile is held as they were instead of
 * going offline: the gateways could not renew the leases either. Without it, an outage
 * longer than the lease turned every connected user offline and online again. At least a
 * gateway heartbeat (under half the lease) and a reconnect; 0 to 10 minutes, 0 for no
 * hold
 * @param offlineGrace how long a user whose last device disconnected is shown as before,
 * for a device to come back, before going offline (last seen when it left): without it a
 * page reload, a network change or a gateway's restart (its clients reconnect to another
 * instance within 1-5 s) was pushed to every contact as offline, then online again.
 * Leases that run out (a device gone silent) are not held longer: the lease was their
 * grace. 0 to 5 minutes, 0 for offline at once
 */
@ConfigurationProperties("presence")
public record PresenceProperties(@DefaultValue("30s") Duration sessionLease,
		@DefaultValue("500ms") Duration sweepInterval, @DefaultValue("500") int sweepBatch,
		@DefaultValue("5s") Duration claimTimeout, @DefaultValue("30d") Duration retention,
		@DefaultValue("100") int maxQueryUsers, @DefaultValue Contacts contacts,
		@DefaultValue("30s") Duration recoveryGrace, @DefaultValue("10s") Duration offlineGrace) {

	static final int MAX_SWEEP_BATCH = 10_000;

	static final int MAX_QUERY_USERS = 1_000;

	static final Duration MAX_RECOVERY_GRACE = Duration.ofMinutes(10);

	static final Duration MAX_OFFLINE_GRACE = Duration.ofMinutes(5);

	public PresenceProperties {
		// Leases are whole milliseconds in the registry, and last seen after an expiry
		// is the lease end minus the lease: under 1 ms it would be the end or later.
		atLeastOneMillisecond("presence.session-lease", sessionLease);
		// The hash is kept with PEXPIRE in milliseconds: under 1 ms it is PEXPIRE 0 (or
		// less), which deletes the presence the write just stored.
		atLeastOneMillisecond("presence.retention", retention);
		atLeastOneMillisecond("presence.sweep-interval", sweepInterval);
		if (sweepBatch < 1 || sweepBatch > MAX_SWEEP_BATCH) {
			throw new IllegalArgumentException(
					"presence.sweep-batch must be from 1 to " + MAX_SWEEP_BATCH + ", was " + sweepBatch);
		}
		// Unbounded, one query could name 100,000 users: one caller at the query rate
		// would ask Redis for millions of hashes a second, each query holding a pooled
		// connection.
		if (maxQueryUsers < 1 || maxQueryUsers > MAX_QUERY_USERS) {
			throw new IllegalArgumentException(
					"presence.max-query-users must be from 1 to " + MAX_QUERY_USERS + ", was " + maxQueryUsers);
		}
		if (recoveryGrace.isNegative() || recoveryGrace.compareTo(MAX_RECOVERY_GRACE) > 0) {
			throw new IllegalArgumentException("presence.recovery-grace must be from 0 to 10m, was " + recoveryGrace);
		}
		// Longer, a user who closed the app would still be shown online minutes later.
		if (offlineGrace.isNegative() || offlineGrace.compareTo(MAX_OFFLINE_GRACE) > 0) {
			throw new IllegalArgumentException("presence.offline-grace must be from 0 to 5m, was " + offlineGrace);
		}
		if (claimTimeout.compareTo(sweepInterval) <= 0) {
			throw new IllegalArgumentException("presence.claim-timeout (" + claimTimeout
					+ ") must be longer than presence.sweep-interval (" + sweepInterval + ")");
		}
	}

	private static void atLeastOneMillisecond(String setting, Duration value) {
		if (value.toMillis() < 1) {
			throw new IllegalArgumentException(setting + " must be at least 1ms, was " + value);
		}
	}

	/**
	 * The caller's contacts (the members of the caller's conversations), read from
	 * chat-message-service with the caller's own token and cached.
	 *
	 * @param url chat-message-service's base URL
	 * @param cacheTtl how long a caller's contacts are reused (a new conversation's
	 * members become visible within this); at least 1 ms (max-cached-users 0 turns the
	 * cache off)
	 * @param maxCachedUsers most callers whose contacts are cached (least recently used
	 * go first; 0 caches none)
	 * @param timeout connect and read timeout of one call; at least 1 ms
	 * @param maxContacts most contacts taken from one caller's conversations: the listing
	 * is not read further, and members of the conversations beyond count as no contacts
	 * of the caller (one account may be in 1,000 groups of 1,000 members). At least 1
	 * @param maxCachedContacts most contacts the cache holds, all callers together (least
	 * recently used callers go first); at least maxContacts
	 */
	public record Contacts(@DefaultValue("http://127.0.0.1:8084") URI url, @DefaultValue("30s") Duration cacheTtl,
			@DefaultValue("10000") int maxCachedUsers, @DefaultValue("2s") Duration timeout,
			@DefaultValue("100000") int maxContacts, @DefaultValue("500000") long maxCachedContacts) {

		public Contacts {
			// ContactDirectory evicts while the cache holds more than this: below 0 it
			// would evict from an empty cache and every contacts read would fail.
			if (maxCachedUsers < 0) {
				throw new IllegalArgumentException(
						"presence.contacts.max-cached-users must be at least 0, was " + maxCachedUsers);
			}
			// 0 or less silently turned the cache off (every read called
			// chat-message-service); a zero timeout failed in the HTTP client without
			// naming the setting.
			atLeastOneMillisecond("presence.contacts.cache-ttl", cacheTtl);
			atLeastOneMillisecond("presence.contacts.timeout", timeout);
			if (maxContacts < 1) {
				throw new IllegalArgumentException(
						"presence.contacts.max-contacts must be at least 1, was " + maxContacts);
			}
			if (maxCachedContacts < maxContacts) {
				throw new IllegalArgumentException("presence.contacts.max-cached-contacts (" + maxCachedContacts
						+ ") must be at least presence.contacts.max-contacts (" + maxContacts + ")");
			}
		}

	}

}
