package dev.blueprint.shortener.storage;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;

/**
 * Click counts in a counter table, one partition per code and one row per UTC day.
 * Counters are written and read at {@code LOCAL_ONE}: stats are eventually consistent by
 * design, and a counter increment must not wait for a quorum on the flush path.
 */
public final class CassandraClickStore {

	private final CqlSession session;

	private final PreparedStatement increment;

	private final PreparedStatement select;

	private final PreparedStatement delete;

	public CassandraClickStore(CqlSession session) {
		this.session = session;
		this.increment = session.prepare("UPDATE clicks SET clicks = clicks + ? WHERE code = ? AND day = ?");
		this.select = session.prepare("SELECT day, clicks FROM clicks WHERE code = ?");
		this.delete = session.prepare("DELETE FROM clicks WHERE code = ?");
	}

	/**
	 * Adds {@code count} clicks of {@code day}; completes when Cassandra acknowledged.
	 */
	public CompletionStage<Void> add(String code, LocalDate day, long count) {
		return this.session
			.executeAsync(this.increment.bind(count, code, day).setConsistencyLevel(ConsistencyLevel.LOCAL_ONE))
			.thenApply((result) -> null);
	}

	/** Clicks per day, oldest first. */
	public List<DailyClicks> read(String code) {
		List<DailyClicks> days = new ArrayList<>();
		for (Row row : this.session.execute(this.select.bind(code).setConsistencyLevel(ConsistencyLevel.LOCAL_ONE))) {
			days.add(new DailyClicks(row.getLocalDate("day"), row.getLong("clicks")));
		}
		return days;
	}

	public CompletableFuture<Void> delete(String code) {
		return this.session.executeAsync(this.delete.bind(code).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))
			.toCompletableFuture()
			.thenApply((result) -> null);
	}

	/**
	 * @param day UTC day
	 * @param clicks redirects counted that day
	 */
	public record DailyClicks(LocalDate day, long clicks) {
	}

}
