package dev.blueprint.shortener.clicks;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.blueprint.shortener.storage.CassandraClickStore;
import dev.blueprint.shortener.storage.CassandraClickStore.DailyClicks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A link's clicks as readers see them: what Cassandra holds plus what still waits in
 * Redis's buffer for the next rollup, so counts lag by a flush interval, not a rollup
 * interval. While Redis is unavailable, only Cassandra's part is shown.
 */
public final class ClickStats {

	private static final Logger logger = LoggerFactory.getLogger(ClickStats.class);

	private final CassandraClickStore store;

	private final RedisClickBuffer buffer;

	private final Clock clock;

	public ClickStats(CassandraClickStore store, RedisClickBuffer buffer, Clock clock) {
		this.store = store;
		this.buffer = buffer;
		this.clock = clock;
	}

	/**
	 * Clicks per UTC day, oldest first.
	 * @throws RuntimeException from Cassandra when it is unavailable
	 */
	public List<DailyClicks> read(String code) {
		Map<LocalDate, Long> days = new TreeMap<>();
		for (DailyClicks day : this.store.read(code)) {
			days.merge(day.day(), day.clicks(), Long::sum);
		}
		this.buffer.waiting(code, today()).forEach((day, clicks) -> days.merge(day, clicks, Long::sum));
		return days.entrySet().stream().map((day) -> new DailyClicks(day.getKey(), day.getValue())).toList();
	}

	/**
	 * Forgets a deleted link's clicks, in Cassandra and in the buffer. Cassandra's delete
	 * is not awaited (the link is gone either way); one that fails is logged: its rows
	 * stay, read again only by an alias claimed again on a day they cover.
	 */
	public void delete(String code) {
		this.store.delete(code).whenComplete((done, failure) -> {
			if (failure != null) {
				logger.warn("Deleting the click counts of deleted link {} failed (rows left behind): {}", code,
						failure.toString());
			}
		});
		this.buffer.forget(code, today());
	}

	private LocalDate today() {
		return LocalDate.ofInstant(this.clock.instant(), ZoneOffset.UTC);
	}

}
