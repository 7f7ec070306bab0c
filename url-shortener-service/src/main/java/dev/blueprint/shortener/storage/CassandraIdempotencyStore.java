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
		this.complete = session
			.prepare("UPDATE idempotency_keys USING TTL ? SET request_hash = ?, response = ? WHERE scope_key = ?");
		this.release = session.prepare("DELETE FROM idempotency_keys WHERE scope_key = ?");
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
		this.session.execute(this.complete.bind((int) ttl.toSeconds(), requestHash, response, key)
			.setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
	}

	/** Frees a reservation whose request failed, so a retry can run it again. */
	public void release(String key) {
		this.session.execute(this.release.bind(key).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
	}

	/**
	 * @param requestHash hash of the body that reserved the key
	 * @param response the stored response, or {@code null} while that request runs
	 */
	public record Existing(String requestHash, String response) {
	}

}
