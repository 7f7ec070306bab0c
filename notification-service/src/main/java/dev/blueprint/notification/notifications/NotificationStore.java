package dev.blueprint.notification.notifications;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import dev.blueprint.notification.notifications.core.Notification;
import dev.blueprint.notification.notifications.core.NotificationKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notifications and mutes in Cassandra (keyspace {@code blueprint_notification}). Reads
 * and writes use the session's consistency, {@code LOCAL_QUORUM}
 * ({@code spring.cassandra.request.consistency}); no lightweight transactions.
 * <ul>
 * <li>{@code notifications}: partition per user, one row per conversation (the collapsed
 * notification). Every write rewrites the whole row with the TTL, so a row expires as a
 * whole {@code ttl} after its last change.</li>
 * <li>{@code conversation_mutes}: partition per user, one row per muted
 * conversation.</li>
 * </ul>
 * A user's partitions are bounded by their conversations.
 */
public class NotificationStore {

	private static final Logger logger = LoggerFactory.getLogger(NotificationStore.class);

	private static final Duration SCHEMA_TIMEOUT = Duration.ofSeconds(30);

	/**
	 * Requests one call keeps in flight at most (the driver queues 1,024 per connection).
	 */
	private static final int MAX_IN_FLIGHT = 256;

	static final List<String> SCHEMA = List.of(
			"CREATE TABLE IF NOT EXISTS notifications (user_id text, conversation_id uuid, id uuid, count int, "
					+ "first_seq bigint, latest_seq bigint, latest_message_id uuid, sender_id text, preview text, "
					+ "created_at timestamp, updated_at timestamp, seen_at timestamp, "
					+ "PRIMARY KEY ((user_id), conversation_id))",
			"CREATE TABLE IF NOT EXISTS conversation_mutes (user_id text, conversation_id uuid, muted_at timestamp, "
					+ "PRIMARY KEY ((user_id), conversation_id))");

	private static final String COLUMNS = "user_id, conversation_id, id, count, first_seq, latest_seq, "
			+ "latest_message_id, sender_id, preview, created_at, updated_at, seen_at";

	private final CqlSession session;

	private final PreparedStatement insert;

	private final PreparedStatement selectOne;

	private final PreparedStatement selectAll;

	private final PreparedStatement mute;

	private final PreparedStatement unmute;

	private final PreparedStatement selectMute;

	private final PreparedStatement selectMutes;

	public NotificationStore(CqlSession session, Duration ttl) {
		this.session = session;
		migrate(session);
		this.insert = session.prepare("INSERT INTO notifications (" + COLUMNS
				+ ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL " + ttl.toSeconds());
		this.selectOne = session
			.prepare("SELECT " + COLUMNS + " FROM notifications WHERE user_id = ? AND conversation_id = ?");
		this.selectAll = session.prepare("SELECT " + COLUMNS + " FROM notifications WHERE user_id = ?");
		this.mute = session
			.prepare("INSERT INTO conversation_mutes (user_id, conversation_id, muted_at) VALUES (?, ?, ?)");
		this.unmute = session.prepare("DELETE FROM conversation_mutes WHERE user_id = ? AND conversation_id = ?");
		this.selectMute = session
			.prepare("SELECT conversation_id FROM conversation_mutes WHERE user_id = ? AND conversation_id = ?");
		this.selectMutes = session
			.prepare("SELECT conversation_id, muted_at FROM conversation_mutes WHERE user_id = ?");
	}

	private static void migrate(CqlSession session) {
		for (String cql : SCHEMA) {
			session.execute(SimpleStatement.newInstance(cql).setTimeout(SCHEMA_TIMEOUT));
		}
		session.checkSchemaAgreement();
		logger.info("Schema of {} is up to date ({} tables)", session.getKeyspace().orElse(null), SCHEMA.size());
	}

	public void save(Notification n) {
		this.session.execute(bind(n));
	}

	/**
	 * Writes several notifications in parallel, at most {@value #MAX_IN_FLIGHT} at a
	 * time, handing each one written to {@code written}. When some fail, the others are
	 * still written and handed over, then the first failure is thrown.
	 */
	public void saveAll(Collection<Notification> notifications, Consumer<Notification> written) {
		List<Write> writes = new ArrayList<>();
		RuntimeException failure = null;
		for (Notification n : notifications) {
			writes.add(new Write(n, write(n)));
			if (writes.size() >= MAX_IN_FLIGHT) {
				failure = firstOf(failure, settle(writes, written));
			}
		}
		failure = firstOf(failure, settle(writes, written));
		if (failure != null) {
			throw failure;
		}
	}

	/** A notification and its write in flight. */
	private record Write(Notification notification, CompletableFuture<AsyncResultSet> result) {
	}

	private CompletableFuture<AsyncResultSet> write(Notification n) {
		try {
			return this.session.executeAsync(bind(n)).toCompletableFuture();
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	/**
	 * Waits for the writes in flight, hands over those that succeeded, and clears them.
	 * @return the first failure, or {@code null}
	 */
	private static RuntimeException settle(List<Write> writes, Consumer<Notification> written) {
		RuntimeException failure = null;
		try {
			join(CompletableFuture.allOf(writes.stream().map(Write::result).toArray(CompletableFuture[]::new)));
		}
		catch (RuntimeException ex) {
			failure = ex;
		}
		for (Write write : writes) {
			if (!write.result().isCompletedExceptionally()) {
				written.accept(write.notification());
			}
		}
		writes.clear();
		return failure;
	}

	private static RuntimeException firstOf(RuntimeException first, RuntimeException next) {
		return (first != null) ? first : next;
	}

	private com.datastax.oss.driver.api.core.cql.BoundStatement bind(Notification n) {
		return this.insert.bind(n.userId(), n.conversationId(), n.id(), n.count(), n.firstSeq(), n.latestSeq(),
				n.latestMessageId(), n.senderId(), n.preview(), n.createdAt(), n.updatedAt(), n.seenAt());
	}

	public Optional<Notification> find(String userId, UUID conversationId) {
		return Optional.ofNullable(this.session.execute(this.selectOne.bind(userId, conversationId)).one())
			.map(NotificationStore::notification);
	}

	/**
	 * The current notification of each key that has one; reads in parallel, at most
	 * {@value #MAX_IN_FLIGHT} at a time.
	 */
	public Map<NotificationKey, Notification> findAll(Collection<NotificationKey> keys) {
		Map<NotificationKey, CompletableFuture<AsyncResultSet>> reads = readAll(keys, this.selectOne);
		Map<NotificationKey, Notification> found = new LinkedHashMap<>();
		reads.forEach((key, read) -> {
			Row row = read.join().one();
			if (row != null) {
				found.put(key, notification(row));
			}
		});
		return found;
	}

	/** Every notification of a user (one per conversation at most). */
	public List<Notification> ofUser(String userId) {
		List<Notification> all = new ArrayList<>();
		for (Row row : this.session.execute(this.selectAll.bind(userId))) {
			all.add(notification(row));
		}
		return all;
	}

	public void mute(String userId, UUID conversationId, Instant at) {
		this.session.execute(this.mute.bind(userId, conversationId, at));
	}

	public void unmute(String userId, UUID conversationId) {
		this.session.execute(this.unmute.bind(userId, conversationId));
	}

	/** A user's muted conversations, with when each was muted. */
	public Map<UUID, Instant> mutes(String userId) {
		Map<UUID, Instant> mutes = new LinkedHashMap<>();
		for (Row row : this.session.execute(this.selectMutes.bind(userId))) {
			mutes.put(row.getUuid("conversation_id"), row.getInstant("muted_at"));
		}
		return mutes;
	}

	/** The keys whose user muted the conversation; reads in parallel. */
	public Set<NotificationKey> muted(Collection<NotificationKey> keys) {
		Map<NotificationKey, CompletableFuture<AsyncResultSet>> reads = readAll(keys, this.selectMute);
		Set<NotificationKey> muted = new LinkedHashSet<>();
		reads.forEach((key, read) -> {
			if (read.join().one() != null) {
				muted.add(key);
			}
		});
		return muted;
	}

	private Map<NotificationKey, CompletableFuture<AsyncResultSet>> readAll(Collection<NotificationKey> keys,
			PreparedStatement statement) {
		Map<NotificationKey, CompletableFuture<AsyncResultSet>> reads = new LinkedHashMap<>();
		List<CompletableFuture<AsyncResultSet>> inFlight = new ArrayList<>();
		for (NotificationKey key : keys) {
			CompletableFuture<AsyncResultSet> read = this.session
				.executeAsync(statement.bind(key.userId(), key.conversationId()))
				.toCompletableFuture();
			reads.put(key, read);
			inFlight.add(read);
			if (inFlight.size() >= MAX_IN_FLIGHT) {
				join(CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)));
				inFlight.clear();
			}
		}
		join(CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)));
		return reads;
	}

	private static Notification notification(Row row) {
		return new Notification(row.getUuid("id"), row.getString("user_id"), row.getUuid("conversation_id"),
				row.getInt("count"), row.getLong("first_seq"), row.getLong("latest_seq"),
				row.getUuid("latest_message_id"), row.getString("sender_id"), row.getString("preview"),
				row.getInstant("created_at"), row.getInstant("updated_at"), row.getInstant("seen_at"));
	}

	/** Waits, unwrapping the driver's exception so callers see a DriverException. */
	private static <T> T join(CompletableFuture<T> future) {
		try {
			return future.join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof RuntimeException cause) {
				throw cause;
			}
			throw ex;
		}
	}

}
