package dev.blueprint.shortener.storage;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.Objects;
import java.util.Optional;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.connection.ClosedConnectionException;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.api.core.servererrors.CASWriteUnknownException;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import com.datastax.oss.driver.api.core.servererrors.ProtocolError;
import com.datastax.oss.driver.api.core.servererrors.ServerError;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import dev.blueprint.shortener.links.Link;

/**
 * Links in Cassandra: {@code links} by code, {@code links_by_owner} for the owner
 * listing.
 * <p>
 * Consistency: writes and reads at {@code LOCAL_QUORUM} (with replication factor 3 a read
 * always sees a completed write, so a link resolves on any instance right after its
 * creation); alias claims are LWTs at {@code LOCAL_SERIAL}. Rows carry a TTL of the
 * link's life plus the retention during which it answers 410, which must end by
 * {@link #latestExpiry}.
 * <p>
 * A write that times out may still have been applied. An alias claim's outcome is then
 * settled by a serial read; a generated code's write, and a claim whose read fails too,
 * throw {@link WriteOutcomeUnknownException}.
 */
public final class CassandraLinkStore {

	/** Cassandra's longest TTL: 20 years; a longer one is refused. */
	public static final Duration MAX_TTL = Duration.ofSeconds(630_720_000);

	/**
	 * The latest instant a row may expire at. Cassandra refuses a write that would expire
	 * after 2038-01-19T03:14:06Z before 5.0 and in 5.0's default
	 * {@code storage_compatibility_mode: CASSANDRA_4}; ending a day before leaves room
	 * for the coordinator's clock being ahead of ours.
	 */
	public static final Instant LATEST_ROW_EXPIRY = Instant.parse("2038-01-18T00:00:00Z");

	private static final ConsistencyLevel CONSISTENCY = ConsistencyLevel.LOCAL_QUORUM;

	private static final ConsistencyLevel SERIAL_CONSISTENCY = ConsistencyLevel.LOCAL_SERIAL;

	/** {@link #CassandraLinkStore(CqlSession)}'s read timeout. */
	public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(2);

	private final CqlSession session;

	private final Duration readTimeout;

	private final PreparedStatement insert;

	private final PreparedStatement insertIfAbsent;

	private final PreparedStatement insertByOwner;

	private final PreparedStatement select;

	private final PreparedStatement delete;

	private final PreparedStatement deleteByOwner;

	private final PreparedStatement selectByOwner;

	public CassandraLinkStore(CqlSession session) {
		this(session, DEFAULT_READ_TIMEOUT);
	}

	/**
	 * @param session the session
	 * @param readTimeout how long a plain read (a lookup, a listing page) may take: a
	 * hung node must not hold a redirect's thread for the session's 10 s, which stays for
	 * writes and lightweight transactions (whose outcome a shorter client timeout would
	 * leave unknown more often)
	 */
	public CassandraLinkStore(CqlSession session, Duration readTimeout) {
		this.session = session;
		this.readTimeout = readTimeout;
		String columns = "(code, url, created_at, expires_at, owner, redirect_type) VALUES (?, ?, ?, ?, ?, ?)";
		this.insert = session.prepare("INSERT INTO links " + columns + " USING TTL ?");
		this.insertIfAbsent = session.prepare("INSERT INTO links " + columns + " IF NOT EXISTS USING TTL ?");
		this.insertByOwner = session.prepare("INSERT INTO links_by_owner "
				+ "(owner, created_at, code, url, expires_at, redirect_type) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?");
		this.select = session
			.prepare("SELECT code, url, created_at, expires_at, owner, redirect_type FROM links WHERE code = ?");
		this.delete = session.prepare("DELETE FROM links WHERE code = ?");
		this.deleteByOwner = session
			.prepare("DELETE FROM links_by_owner WHERE owner = ? AND created_at = ? AND code = ?");
		this.selectByOwner = session.prepare("SELECT code, url, created_at, expires_at, owner, redirect_type "
				+ "FROM links_by_owner WHERE owner = ?");
	}

	/**
	 * Stores a link with a generated code. The code is unique by construction, so no LWT
	 * is needed; a logged batch makes the owner listing row atomic with the link.
	 * @throws WriteOutcomeUnknownException when the write timed out: it may be applied,
	 * even later, so no read can tell
	 */
	public void insert(Link link, Duration ttl) {
		BoundStatement main = bindLink(this.insert, link, ttl);
		if (link.owner() == null) {
			executeWrite(main.setConsistencyLevel(CONSISTENCY));
			return;
		}
		executeWrite(BatchStatement.newInstance(BatchType.LOGGED, main, bindByOwner(link, ttl))
			.setConsistencyLevel(CONSISTENCY));
	}

	private void executeWrite(Statement<?> statement) {
		try {
			this.session.execute(statement);
		}
		catch (RuntimeException ex) {
			throw isOutcomeUnknown(ex) ? new WriteOutcomeUnknownException(ex) : ex;
		}
	}

	/**
	 * Claims a custom alias with {@code INSERT ... IF NOT EXISTS}.
	 * @return {@code false} when the alias is taken
	 * @throws WriteOutcomeUnknownException when the claim timed out and its row could not
	 * be read
	 */
	public boolean insertIfAbsent(Link link, Duration ttl) {
		if (!claim(link, ttl)) {
			return false;
		}
		if (link.owner() != null) {
			try {
				this.session.execute(bindByOwner(link, ttl).setConsistencyLevel(CONSISTENCY));
			}
			catch (RuntimeException ex) {
				// an LWT cannot share a batch with another partition: undo the claim
				// rather than leave a link its owner cannot list
				deleteQuietly(link.code());
				throw ex;
			}
		}
		return true;
	}

	/**
	 * Runs the alias LWT. Whether one that timed out was applied is settled by reading
	 * the row at {@code LOCAL_SERIAL}: that read completes a Paxos round left unfinished,
	 * or makes sure it can no longer commit, so what it sees is final. The driver's
	 * timeout ({@code spring.cassandra.request.timeout}, 10 s) is longer than Cassandra's
	 * write and CAS timeouts, so the coordinator has stopped retrying the claim by then.
	 */
	private boolean claim(Link link, Duration ttl) {
		try {
			return this.session
				.execute(bindLink(this.insertIfAbsent, link, ttl).setConsistencyLevel(CONSISTENCY)
					.setSerialConsistencyLevel(SERIAL_CONSISTENCY))
				.wasApplied();
		}
		catch (RuntimeException ex) {
			if (!isOutcomeUnknown(ex)) {
				throw ex;
			}
			Optional<Link> found;
			try {
				// the session's timeout: settling the claim must not time out sooner
				found = find(this.select.bind(link.code()).setConsistencyLevel(SERIAL_CONSISTENCY));
			}
			catch (RuntimeException readFailure) {
				ex.addSuppressed(readFailure);
				throw new WriteOutcomeUnknownException(ex);
			}
			if (found.isEmpty()) {
				// not applied, and no longer can be: nothing stored
				throw ex;
			}
			// createdAt tells this request's claim from an identical one of the owner
			Link stored = found.get();
			return stored.url().equals(link.url()) && Objects.equals(stored.owner(), link.owner())
					&& stored.createdAt().equals(link.createdAt());
		}
	}

	public Optional<Link> find(String code) {
		return find(this.select.bind(code).setConsistencyLevel(CONSISTENCY).setTimeout(this.readTimeout));
	}

	private Optional<Link> find(BoundStatement read) {
		Row row = this.session.execute(read).one();
		return Optional.ofNullable(row).map(CassandraLinkStore::toLink);
	}

	/** Removes the link and its listing row in one logged batch. */
	public void delete(Link link) {
		BatchStatement batch = BatchStatement.newInstance(BatchType.LOGGED, this.delete.bind(link.code()));
		if (link.owner() != null) {
			batch = batch.add(this.deleteByOwner.bind(link.owner(), link.createdAt(), link.code()));
		}
		this.session.execute(batch.setConsistencyLevel(CONSISTENCY));
	}

	/**
	 * A page of an owner's links, newest first.
	 * @param cursor opaque position from the previous page, or {@code null}
	 * @throws IllegalArgumentException when {@code cursor} is not one a listing gave (see
	 * {@link #isRefusedPagingState})
	 */
	public Page listByOwner(String owner, int pageSize, String cursor) {
		BoundStatement statement = this.selectByOwner.bind(owner)
			.setPageSize(pageSize)
			.setConsistencyLevel(CONSISTENCY)
			.setTimeout(this.readTimeout);
		ResultSet result;
		if (cursor == null) {
			result = this.session.execute(statement);
		}
		else {
			statement = statement.setPagingState(ByteBuffer.wrap(Base64.getUrlDecoder().decode(cursor)));
			try {
				result = this.session.execute(statement);
			}
			catch (RuntimeException ex) {
				if (!isRefusedPagingState(ex, () -> readsWithoutPagingState(owner))) {
					throw ex;
				}
				// the client's mistake, a 400, not Cassandra failing (both kinds were
				// 500s)
				throw new IllegalArgumentException("not a paging state: " + ex.getMessage(), ex);
			}
		}
		List<Link> links = new ArrayList<>();
		int available = result.getAvailableWithoutFetching();
		for (int i = 0; i < available; i++) {
			links.add(toLink(result.one()));
		}
		ByteBuffer next = result.getExecutionInfo().getPagingState();
		String nextCursor = null;
		if (next != null) {
			byte[] bytes = new byte[next.remaining()];
			next.duplicate().get(bytes);
			nextCursor = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
		}
		return new Page(links, nextCursor);
	}

	/**
	 * Whether a read that carried a client's paging state failed on that state rather
	 * than on Cassandra: base64 of something that is no paging state is a protocol error
	 * (or an invalid query); one whose framing is right but whose row mark does not
	 * decode (a cursor cut short inside, or forged) fails inside Cassandra as it resumes
	 * the read, a server error. A server error can also be Cassandra's own, so then it is
	 * the cursor's only if the same read without it succeeds ({@code readsWithoutIt}):
	 * until 2026-12-07 every server error with a cursor was a 400, whatever had failed.
	 * If the driver retried on other nodes, every node's error must be one of these.
	 * Timeouts, unavailable or overloaded replicas, lost connections and no node at all
	 * are outages, whatever the cursor, and stay 503s.
	 */
	static boolean isRefusedPagingState(Throwable failure, BooleanSupplier readsWithoutIt) {
		List<Throwable> errors = (failure instanceof AllNodesFailedException allFailed)
				? allFailed.getAllErrors().values().stream().flatMap(List::stream).toList() : List.of(failure);
		if (errors.isEmpty() || !errors.stream().allMatch(CassandraLinkStore::refusesAPagingState)) {
			return false;
		}
		return errors.stream().noneMatch(ServerError.class::isInstance) || readsWithoutIt.getAsBoolean();
	}

	private static boolean refusesAPagingState(Throwable failure) {
		return failure instanceof ProtocolError || failure instanceof InvalidQueryException
				|| failure instanceof ServerError;
	}

	/**
	 * Whether the listing's first row reads: Cassandra answers the query without a
	 * cursor.
	 */
	private boolean readsWithoutPagingState(String owner) {
		try {
			this.session.execute(this.selectByOwner.bind(owner)
				.setPageSize(1)
				.setConsistencyLevel(CONSISTENCY)
				.setTimeout(this.readTimeout));
			return true;
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	private void deleteQuietly(String code) {
		try {
			this.session.execute(this.delete.bind(code).setConsistencyLevel(CONSISTENCY));
		}
		catch (RuntimeException ignored) {
			// the row's TTL (if any) or the owner's retry cleans it up
		}
	}

	private BoundStatement bindLink(PreparedStatement statement, Link link, Duration ttl) {
		return statement.bind(link.code(), link.url(), link.createdAt(), link.expiresAt(), link.owner(),
				link.redirectType(), ttlSeconds(ttl));
	}

	private BoundStatement bindByOwner(Link link, Duration ttl) {
		return this.insertByOwner.bind(link.owner(), link.createdAt(), link.code(), link.url(), link.expiresAt(),
				link.redirectType(), ttlSeconds(ttl));
	}

	/**
	 * The latest instant a row written at {@code now} can live until: {@link #MAX_TTL}
	 * from now or {@link #LATEST_ROW_EXPIRY}, whichever comes first.
	 */
	public static Instant latestExpiry(Instant now) {
		Instant byTtl = now.plus(MAX_TTL);
		return byTtl.isBefore(LATEST_ROW_EXPIRY) ? byTtl : LATEST_ROW_EXPIRY;
	}

	private static int ttlSeconds(Duration ttl) {
		// LinkRules keeps expiries within latestExpiry; the cap is a last guard
		return (ttl == null) ? 0 : (int) Math.max(1, Math.min(ttl.toSeconds(), MAX_TTL.toSeconds()));
	}

	/**
	 * Whether a write that failed this way may have been applied: Cassandra or the driver
	 * gave up waiting, or the connection closed while the request was in flight.
	 */
	private static boolean isOutcomeUnknown(RuntimeException failure) {
		return failure instanceof WriteTimeoutException || failure instanceof CASWriteUnknownException
				|| failure instanceof DriverTimeoutException || failure instanceof ClosedConnectionException;
	}

	private static Link toLink(Row row) {
		Instant expiresAt = row.getInstant("expires_at");
		return new Link(row.getString("code"), row.getString("url"), row.getInstant("created_at"), expiresAt,
				row.getString("owner"), row.getInt("redirect_type"));
	}

	/**
	 * One page of a listing.
	 *
	 * @param links the links of this page
	 * @param nextCursor position of the next page, or {@code null} on the last one
	 */
	public record Page(List<Link> links, String nextCursor) {
	}

	/**
	 * A write failed in a way that leaves open whether Cassandra applied it: the link may
	 * exist. The cause is the driver's exception.
	 */
	public static final class WriteOutcomeUnknownException extends RuntimeException {

		WriteOutcomeUnknownException(RuntimeException cause) {
			super("The write's outcome is unknown: " + cause.getMessage(), cause);
		}

	}

}
