package dev.blueprint.shortener.storage;

import java.time.Duration;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;

/**
 * {@code Idempotency-Key} records. A request first reserves its key with an LWT (so two
 * concurrent requests with one key cannot both create a link), then stores its response.
 * A reservation lives only {@code pendingTtl}, so a request that died half-way does not
 * block its key for a day.
 */
public final class CassandraIdempotencyStore {

	private final CqlSession session;

	private final PreparedStatement reserve;

	private final PreparedStatement complete;

	private final PreparedStatement release;

	public CassandraIdempotencyStore(CqlSession session) {
		this.session = session;
		this.reserve = session
			.prepare("INSERT INTO idempotency_keys (scope_key, request_hash) VALUES (?, ?) IF NOT EXISTS USING TTL ?");
		// Conditional like the reservation: an LWT's write takes the Paxos ballot's time,
		// a plain one the client's clock. With the client's clock behind Cassandra's, the
		// reservation's hash (60 s TTL) won over the completed one; once it expired the
		// record had a response and no hash (a 500 on every retry for a day), and a
		// release deleted nothing.
		this.complete = session.prepare("UPDATE idempotency_keys USING TTL ? SET request_hash = ?, response = ? "
				+ "WHERE scope_key = ? IF request_hash = ?");
		this.release = session.prepare("DELETE FROM idempotency_keys WHERE scope_key = ? IF request_hash = ?");
	}

	/**
	 * Reserves {@code key} for a request whose body hashes to {@code requestHash}.
	 * @return {@code null} when reserved, else the record already there
	 */
	public Existing reserve(String key, String requestHash, Duration pendingTtl) {
		ResultSet result = this.session.execute(this.reserve.bind(key, requestHash, (int) pendingTtl.toSeconds())
			.setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)
			.setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL));
		if (result.wasApplied()) {
			return null;
		}
		Row row = result.one();
		return new Existing(row.getString("request_hash"), row.getString("response"));
	}

	/** Stores the response replayed for the key. */
	public void complete(String key, String requestHash, String response, Duration ttl) {
		this.session.execute(this.complete.bind((int) ttl.toSeconds(), requestHash, response, key, requestHash)
			.setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)
			.setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL));
	}

	/** Frees a reservation whose request failed, so a retry can run it again. */
	public void release(String key, String requestHash) {
		this.session.execute(this.release.bind(key, requestHash)
			.setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)
			.setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL));
	}

	/**
	 * @param requestHash hash of the body that reserved the key
	 * @param response the stored response, or {@code null} while that request runs
	 */
	public record Existing(String requestHash, String response) {
	}

}
