package dev.blueprint.shortener.storage;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.blueprint.shortener.ids.Base62;
import dev.blueprint.shortener.ids.IdBlock;
import dev.blueprint.shortener.ids.IdBlockSource;

/**
 * Leases ID blocks from one counter row with a compare-and-set lightweight transaction:
 * read the counter, then {@code UPDATE ... SET next_id = n + size IF next_id = n}. Paxos
 * (serial consistency {@code LOCAL_SERIAL}) makes the compare-and-set linearizable, so
 * two instances can never get overlapping blocks; the loser re-reads and retries.
 */
public final class CassandraIdBlockSource implements IdBlockSource {

	private static final int MAX_ATTEMPTS = 50;

	private final CqlSession session;

	private final String counter;

	private final PreparedStatement select;

	private final PreparedStatement create;

	private final PreparedStatement advance;

	public CassandraIdBlockSource(CqlSession session, String counter) {
		this.session = session;
		this.counter = counter;
		this.select = session.prepare("SELECT next_id FROM id_counters WHERE name = ?");
		this.create = session.prepare("INSERT INTO id_counters (name, next_id) VALUES (?, 0) IF NOT EXISTS");
		this.advance = session.prepare("UPDATE id_counters SET next_id = ? WHERE name = ? IF next_id = ?");
	}

	/**
	 * Makes sure the counter has its row before any code is issued, refusing to start it
	 * from 0 over existing links. A counter that has no row (a renamed
	 * {@code shortener.ids.counter}, a lost {@code id_counters} row) would issue the
	 * codes it issued before, and a generated code is stored with a plain {@code INSERT}:
	 * each would silently overwrite a live link. The row is created at once when there
	 * are no links yet (a new deployment) or when {@code allowNew} says the links are
	 * known not to be generated codes (aliases only, from before rows were created at
	 * start-up).
	 * @throws IllegalStateException if the counter has no row while links exist and
	 * {@code allowNew} is false
	 */
	public void requireCounterOrNoLinks(boolean allowNew) {
		if (read() != null) {
			return;
		}
		if (!allowNew && this.session.execute("SELECT code FROM links LIMIT 1").one() != null) {
			throw new IllegalStateException("The ID counter '" + this.counter + "' has no row in id_counters, but "
					+ "links exist: starting it at 0 would issue codes again and overwrite their links. Use the "
					+ "counter the links were created with (shortener.ids.counter), or give this one that "
					+ "counter's next_id (INSERT INTO id_counters (name, next_id) VALUES ('" + this.counter
					+ "', <next_id of the old counter>)). If every link is an alias (no code was ever generated), "
					+ "start once with shortener.ids.allow-new-counter=true");
		}
		this.session.execute(lwt(this.create.bind(this.counter)));
	}

	@Override
	public IdBlock lease(int size) {
		Long current = read();
		for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
			if (current == null) {
				ResultSet created = this.session.execute(lwt(this.create.bind(this.counter)));
				current = created.wasApplied() ? 0L : created.one().getLong("next_id");
				continue;
			}
			IdBlock block = IdBlock.leasedAt(current, size, Base62.SPACE);
			ResultSet result = this.session.execute(lwt(this.advance.bind(block.end(), this.counter, current)));
			if (result.wasApplied()) {
				return block;
			}
			Row row = result.one();
			current = (row != null) ? row.getLong("next_id") : read();
		}
		throw new IllegalStateException("could not lease an ID block after " + MAX_ATTEMPTS + " attempts");
	}

	private Long read() {
		// SERIAL read: sees the result of any LWT that was accepted, even if not yet
		// applied on a quorum
		Row row = this.session
			.execute(this.select.bind(this.counter).setConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL))
			.one();
		return (row != null) ? row.getLong("next_id") : null;
	}

	private static BoundStatement lwt(BoundStatement statement) {
		return statement.setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)
			.setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL);
	}

}
