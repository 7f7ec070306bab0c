package dev.blueprint.chat.message;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Every setting of chat-message-service, with its default. Environment variables override
 * them through relaxed binding (e.g. {@code CHAT_LIMITS_MAXGROUPMEMBERS=500}).
 *
 * @param topics Kafka topic layout
 * @param limits input limits
 * @param storage Cassandra layout and retention
 * @param sequencer the consumer that assigns sequence numbers
 */
@ConfigurationProperties("chat")
public record ChatMessageProperties(@DefaultValue Topics topics, @DefaultValue Limits limits,
		@DefaultValue Storage storage, @DefaultValue Sequencer sequencer) {

	/**
	 * @param partitions partitions of each chat topic (the unit of sequencing
	 * parallelism)
	 * @param replication replication factor of each chat topic (3 in production)
	 */
	public record Topics(@DefaultValue("6") int partitions, @DefaultValue("1") short replication) {
	}

	/**
	 * @param maxGroupMembers most members a group may have
	 * @param maxNameLength longest group name, in characters
	 * @param maxUserIdLength longest user id, in characters
	 * @param defaultPageSize messages returned by a history query without {@code limit}
	 * @param maxPageSize largest {@code limit} of a history query
	 * @param maxConversationsPerUser most conversations one user may be a member of:
	 * creating a conversation with a user who has this many, or adding them to a group,
	 * is refused (409). It bounds what {@code GET /api/v1/conversations} reads and
	 * returns (every conversation of the caller). Checked when the change is asked for,
	 * so requests for one user that run at the same time can each pass it once
	 * @param maxBodyBytes largest message body the sequencer stores, in UTF-8 bytes; a
	 * larger one is refused with {@code body-too-large}. It protects the store, not the
	 * product's limit (the gateways' {@code gateway.max-body-bytes}, 4 KiB, refuses
	 * larger bodies first): by default, and at most, {@value #MAX_BODY_BYTES_CEILING}, as
	 * a message and its dedup row are written as one batch and Cassandra refuses batches
	 * over {@code batch_size_fail_threshold} (50 KiB by default)
	 */
	public record Limits(@DefaultValue("1000") int maxGroupMembers, @DefaultValue("100") int maxNameLength,
			@DefaultValue("128") int maxUserIdLength, @DefaultValue("50") int defaultPageSize,
			@DefaultValue("200") int maxPageSize, @DefaultValue("1000") int maxConversationsPerUser,
			@DefaultValue("32768") int maxBodyBytes) {

		/**
		 * The largest {@code max-body-bytes}, well under Cassandra's 50 KiB batch limit.
		 */
		public static final int MAX_BODY_BYTES_CEILING = 32 * 1024;

		public Limits {
			atLeast("chat.limits.max-group-members", maxGroupMembers, 2);
			atLeast("chat.limits.max-name-length", maxNameLength, 1);
			atLeast("chat.limits.max-user-id-length", maxUserIdLength, 1);
			atLeast("chat.limits.default-page-size", defaultPageSize, 1);
			// Otherwise a history call without limit would be refused for a limit it did
			// not send.
			atLeast("chat.limits.max-page-size (at least chat.limits.default-page-size)", maxPageSize, defaultPageSize);
			atLeast("chat.limits.max-conversations-per-user", maxConversationsPerUser, 1);
			atLeast("chat.limits.max-body-bytes", maxBodyBytes, 1);
			if (maxBodyBytes > MAX_BODY_BYTES_CEILING) {
				throw new IllegalArgumentException(
						"chat.limits.max-body-bytes must be at most " + MAX_BODY_BYTES_CEILING
								+ " (Cassandra refuses a message's batch over 50 KiB), not " + maxBodyBytes);
			}
		}

	}

	/**
	 * @param bucketSize messages per Cassandra partition of a conversation (bounds a
	 * partition to bucketSize × the largest body)
	 * @param dedupWindow how long a clientMessageId is remembered for deduplication
	 * @param apiRequestsInFlight most Cassandra requests the REST API keeps in flight at
	 * once, all its calls together: the rest of the driver's throttler
	 * ({@code spring.cassandra.request.throttler.max-concurrent-requests}) stays free for
	 * the sequencer, so a flood of API reads cannot queue message writes behind it
	 * @param apiRequestsWait how long an API request waits for one of those slots before
	 * the call is refused (503 with {@code Retry-After})
	 */
	public record Storage(@DefaultValue("1000") int bucketSize, @DefaultValue("7d") Duration dedupWindow,
			@DefaultValue("500") int apiRequestsInFlight, @DefaultValue("2s") Duration apiRequestsWait) {

		public Storage {
			atLeast("chat.storage.bucket-size", bucketSize, 1);
			atLeast("chat.storage.api-requests-in-flight", apiRequestsInFlight, 1);
			if (apiRequestsWait.isNegative()) {
				throw new IllegalArgumentException(
						"chat.storage.api-requests-wait must not be negative, not " + apiRequestsWait);
			}
		}

	}

	/**
	 * @param membershipCacheTtl how long the sequencer keeps a conversation's members and
	 * seq cached before reading {@code conversation_state} again (its own members,
	 * changed only through the log: expiry bounds memory, it does not pick up changes)
	 * @param retryBackoff pause before a batch is retried after a storage failure (the
	 * batch is retried until it succeeds; offsets are not committed meanwhile)
	 * @param membershipApplyTimeout how long a REST membership change waits for the
	 * sequencer to apply it before answering 202, pending (it still applies later)
	 */
	public record Sequencer(@DefaultValue("30s") Duration membershipCacheTtl, @DefaultValue("1s") Duration retryBackoff,
			@DefaultValue("10s") Duration membershipApplyTimeout) {
	}

	private static void atLeast(String setting, int value, int least) {
		if (value < least) {
			throw new IllegalArgumentException(setting + " must be at least " + least + ", not " + value);
		}
	}

}
