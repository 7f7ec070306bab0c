package dev.blueprint.shortener.storage;

import java.util.LinkedHashMap;
import java.util.Map;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.NoNodeAvailableException;
import com.datastax.oss.driver.api.core.connection.ClosedConnectionException;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.servererrors.BootstrappingException;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import com.datastax.oss.driver.api.core.servererrors.OverloadedException;
import com.datastax.oss.driver.api.core.servererrors.ProtocolError;
import com.datastax.oss.driver.api.core.servererrors.ReadTimeoutException;
import com.datastax.oss.driver.api.core.servererrors.ServerError;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;
import dev.blueprint.shortener.links.LinkService;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Which failures of a listing read with a client's cursor are the cursor's (a 400) and
 * which are Cassandra's (a 503). {@code BadInputIntegrationTests} sends such cursors to
 * the real Cassandra.
 */
class CassandraLinkStoreTests {

	private final Node first = mock(Node.class);

	private final Node second = mock(Node.class);

	@Test
	void aCursorCassandraRefusesOrFailsToDecodeIsTheClients() {
		assertThat(refused(new ProtocolError(this.first, "Invalid paging state"))).isTrue();
		assertThat(refused(new InvalidQueryException(this.first, "bad"))).isTrue();
		// a row mark cut short inside a well-framed paging state
		assertThat(refused(new ServerError(this.first,
				"java.lang.RuntimeException: Reading from an in-memory buffer shouldn't trigger an IOException")))
			.isTrue();
		assertThat(refused(allFailed(new ServerError(this.first, "x"), new ServerError(this.second, "x"))))
			.as("every node tried failed on it")
			.isTrue();
	}

	@Test
	void anOutageIsNeverTheCursors() {
		assertThat(refused(new DriverTimeoutException("Query timed out after PT2S"))).isFalse();
		assertThat(refused(new ReadTimeoutException(this.first, ConsistencyLevel.LOCAL_QUORUM, 1, 2, false))).isFalse();
		assertThat(refused(new UnavailableException(this.first, ConsistencyLevel.LOCAL_QUORUM, 2, 1))).isFalse();
		assertThat(refused(new OverloadedException(this.first))).isFalse();
		assertThat(refused(new ClosedConnectionException("Lost connection"))).isFalse();
		assertThat(refused(new NoNodeAvailableException())).isFalse();
		assertThat(
				refused(allFailed(new ServerError(this.first, "x"), new ClosedConnectionException("Lost connection"))))
			.as("one node was unreachable")
			.isFalse();
	}

	/**
	 * A server error is the cursor's only while Cassandra reads the same listing without
	 * it: until 2026-12-07 a Cassandra failing inside (a server error of its own) with a
	 * cursor on the request was a 400 blaming the cursor.
	 */
	@Test
	void aServerErrorIsTheCursorsOnlyIfTheListingReadsWithoutIt() {
		ServerError failure = new ServerError(this.first, "java.lang.AssertionError");
		assertThat(CassandraLinkStore.isRefusedPagingState(failure, () -> false)).isFalse();
		assertThat(CassandraLinkStore.isRefusedPagingState(
				allFailed(new ServerError(this.first, "x"), new ProtocolError(this.second, "x")), () -> false))
			.isFalse();
		assertThat(CassandraLinkStore.isRefusedPagingState(failure, () -> true)).isTrue();
		// a protocol error is the request's bytes, not Cassandra: no read needed
		assertThat(
				CassandraLinkStore.isRefusedPagingState(new ProtocolError(this.first, "Invalid paging state"), () -> {
					throw new AssertionError("read without the cursor");
				}))
			.isTrue();
	}

	/**
	 * What is not the cursor's is a 503 with Retry-After and counts in the breaker
	 * ({@code LinkService.isUnavailable}): a coordinator's own server error, overload or
	 * bootstrap were 500s until 2026-12-07, the cursor's server error among them.
	 */
	@Test
	void whatIsNotTheCursorsIsUnavailable() {
		assertThat(LinkService.isUnavailable(new ServerError(this.first, "java.lang.AssertionError"))).isTrue();
		assertThat(LinkService.isUnavailable(new OverloadedException(this.first))).isTrue();
		assertThat(LinkService.isUnavailable(new BootstrappingException(this.first))).isTrue();
		assertThat(LinkService
			.isUnavailable(new ReadTimeoutException(this.first, ConsistencyLevel.LOCAL_QUORUM, 1, 2, false))).isTrue();
		assertThat(LinkService.isUnavailable(new IllegalStateException("a bug"))).isFalse();
	}

	/** With Cassandra reading the listing without the cursor. */
	private static boolean refused(Throwable failure) {
		return CassandraLinkStore.isRefusedPagingState(failure, () -> true);
	}

	private AllNodesFailedException allFailed(Throwable onFirst, Throwable onSecond) {
		Map<Node, Throwable> errors = new LinkedHashMap<>();
		errors.put(this.first, onFirst);
		errors.put(this.second, onSecond);
		return AllNodesFailedException.fromErrors(errors);
	}

}
