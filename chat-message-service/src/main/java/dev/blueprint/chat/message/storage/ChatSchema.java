package dev.blueprint.chat.message.storage;

import java.time.Duration;
import java.util.List;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat tables, created at start-up. Every statement is {@code IF NOT EXISTS}, so the
 * migration is idempotent and safe for several instances starting at once.
 * <p>
 * {@code messages} is partitioned by conversation and bucket ({@code seq / bucketSize}),
 * clustered by seq: a partition holds at most bucketSize messages, and a history query
 * knows from a seq which partition to read (no empty time buckets to skip).
 * <p>
 * {@code conversation_state.members} is the sequencer's membership, changed only by
 * {@code ConversationChanged} records at their place in the log (which the sequencer also
 * applies to {@code conversation_members}, what REST reads), with the place in the log of
 * the record that changed them last ({@code members_partition}, {@code members_offset}).
 * <p>
 * {@code conversation_receipts} holds every member's delivered and read watermarks, one
 * partition per conversation (at most one row per member). Each cell is written with its
 * seq as the write timestamp, so a lower value can never overwrite a higher one, whatever
 * order the writes arrive in.
 */
public final class ChatSchema {

	private static final Logger logger = LoggerFactory.getLogger(ChatSchema.class);

	private static final Duration SCHEMA_TIMEOUT = Duration.ofSeconds(30);

	static final List<String> STATEMENTS = List.of(
			"CREATE TABLE IF NOT EXISTS conversations (id uuid PRIMARY KEY, type text, name text, "
					+ "created_by text, created_at timestamp)",
			"CREATE TABLE IF NOT EXISTS conversation_members (conversation_id uuid, user_id text, "
					+ "joined_at timestamp, PRIMARY KEY ((conversation_id), user_id))",
			"CREATE TABLE IF NOT EXISTS user_conversations (user_id text, conversation_id uuid, "
					+ "joined_at timestamp, PRIMARY KEY ((user_id), conversation_id))",
			"CREATE TABLE IF NOT EXISTS direct_conversations (pair text PRIMARY KEY, conversation_id uuid)",
			"CREATE TABLE IF NOT EXISTS conversation_state (conversation_id uuid PRIMARY KEY, last_seq bigint, "
					+ "last_message_id uuid, last_sender text, last_body text, last_sent_at timestamp)",
			// The members as the sequencer has applied them from the log (tables of
			// before 2026-12-03 lack the column). Frozen: one cell, written whole, and an
			// empty set is a value, not null.
			"ALTER TABLE conversation_state ADD IF NOT EXISTS members frozen<set<text>>",
			// Where in the log the membership change that left them is.
			"ALTER TABLE conversation_state ADD IF NOT EXISTS members_partition int",
			"ALTER TABLE conversation_state ADD IF NOT EXISTS members_offset bigint",
			"CREATE TABLE IF NOT EXISTS messages (conversation_id uuid, bucket bigint, seq bigint, "
					+ "message_id uuid, sender_id text, client_message_id text, body text, sent_at timestamp, "
					+ "PRIMARY KEY ((conversation_id, bucket), seq))",
			"CREATE TABLE IF NOT EXISTS message_dedup (conversation_id uuid, sender_id text, "
					+ "client_message_id text, seq bigint, message_id uuid, "
					+ "PRIMARY KEY ((conversation_id, sender_id, client_message_id)))",
			// The last membership change of each member that REST put in the log, read
			// until the sequencer has applied it.
			"CREATE TABLE IF NOT EXISTS membership_announcements (conversation_id uuid, user_id text, "
					+ "added boolean, log_partition int, log_offset bigint, PRIMARY KEY ((conversation_id), user_id))",
			"CREATE TABLE IF NOT EXISTS conversation_receipts (conversation_id uuid, user_id text, "
					+ "delivered_seq bigint, read_seq bigint, PRIMARY KEY ((conversation_id), user_id))",
			// A group create's Idempotency-Key: the id its retries get (rows expire
			// after a day, the TTL each is written with).
			"CREATE TABLE IF NOT EXISTS conversation_requests (user_id text, idempotency_key text, "
					+ "conversation_id uuid, request_hash text, PRIMARY KEY ((user_id), idempotency_key))",
			// Settings the stored data depends on (the messages' bucket size).
			"CREATE TABLE IF NOT EXISTS chat_settings (name text PRIMARY KEY, value text)");

	static final String BUCKET_SIZE = "messages.bucket-size";

	private ChatSchema() {
	}

	/**
	 * Checks that {@code bucketSize} is the one the stored messages were written with. A
	 * message's row is in the bucket its seq had at that size, and reads compute it with
	 * the current one, so another size would hide stored history (and write new messages
	 * beside it). The first start records it; a later one with another size is refused,
	 * unless no message is stored yet (then the new size is recorded).
	 * @throws IllegalStateException if messages are stored with another bucket size
	 */
	public static void checkBucketSize(CqlSession session, int bucketSize) {
		Row claimed = session
			.execute(
					SimpleStatement
						.newInstance("INSERT INTO chat_settings (name, value) VALUES (?, ?) IF NOT EXISTS", BUCKET_SIZE,
								Integer.toString(bucketSize))
						.setTimeout(SCHEMA_TIMEOUT))
			.one();
		if (claimed.getBoolean("[applied]")) {
			logger.info("Messages are stored in buckets of {} (recorded in chat_settings)", bucketSize);
			return;
		}
		String stored = claimed.getString("value");
		if (Integer.toString(bucketSize).equals(stored)) {
			return;
		}
		if (session.execute(SimpleStatement.newInstance("SELECT seq FROM messages LIMIT 1").setTimeout(SCHEMA_TIMEOUT))
			.one() == null) {
			// conditional: of two instances starting with other sizes, one changes it
			// and the other is refused below
			Row changed = session
				.execute(
						SimpleStatement
							.newInstance("UPDATE chat_settings SET value = ? WHERE name = ? IF value = ?",
									Integer.toString(bucketSize), BUCKET_SIZE, stored)
							.setTimeout(SCHEMA_TIMEOUT))
				.one();
			if (changed.getBoolean("[applied]")) {
				logger.info("Messages are stored in buckets of {} (was {}; no message stored yet)", bucketSize, stored);
				return;
			}
			stored = changed.getString("value");
			if (Integer.toString(bucketSize).equals(stored)) {
				return;
			}
		}
		throw new IllegalStateException("chat.storage.bucket-size (CHAT_STORAGE_BUCKETSIZE) is " + bucketSize
				+ ", but the stored messages are in buckets of " + stored
				+ ": with another size their history would be read from the wrong partitions. Set it back to " + stored
				+ " (changing it needs the messages copied into the new buckets)");
	}

	/** Creates the tables that do not exist yet, in the session's keyspace. */
	public static void migrate(CqlSession session) {
		for (String cql : STATEMENTS) {
			session.execute(SimpleStatement.newInstance(cql).setTimeout(SCHEMA_TIMEOUT));
		}
		session.checkSchemaAgreement();
		logger.info("Schema of {} is up to date ({} statements)", session.getKeyspace().orElse(null),
				STATEMENTS.size());
	}

}
