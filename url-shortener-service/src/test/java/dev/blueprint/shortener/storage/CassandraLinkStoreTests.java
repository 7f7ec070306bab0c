package dev.blueprint.shortener.storage;

import java.util.LinkedHashMap;
import java.util.Map;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.NoNodeAvailableException;
import com.datastax.oss.driver.api.core.connection.ClosedConnectionException;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import com.datastax.oss.driver.api.core.servererrors.OverloadedException;
import com.datastax.oss.driver.api.core.servererrors.ProtocolError;
import com.datastax.oss.driver.api.core.servererrors.ReadTimeoutException;
import com.datastax.oss.driver.api.core.servererrors.ServerError;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;
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
		assertThat(CassandraLinkStore.isRefusedPagingState(new ProtocolError(this.first, "Invalid paging state")))
			.isTrue();
		assertThat(CassandraLinkStore.isRefusedPagingState(new InvalidQueryException(this.first, "bad"))).isTrue();
		// a row mark cut short inside a well-framed paging state
		assertThat(CassandraLinkStore.isRefusedPagingState(new ServerError(this.first,
				"java.lang.RuntimeException: Reading from an in-memory buffer shouldn't trigger an IOException")))
			.isTrue();
		assertThat(CassandraLinkStore
			.isRefusedPagingState(allFailed(new ServerError(this.first, "x"), new ServerError(this.second, "x"))))
			.as("every node tried failed on it")
			.isTrue();
	}

	@Test
	void anOutageIsNeverTheCursors() {
		assertThat(CassandraLinkStore.isRefusedPagingState(new DriverTimeoutException("Query timed out after PT2S")))
			.isFalse();
		assertThat(CassandraLinkStore
			.isRefusedPagingState(new ReadTimeoutException(this.first, ConsistencyLevel.LOCAL_QUORUM, 1, 2, false)))
			.isFalse();
		assertThat(CassandraLinkStore
			.isRefusedPagingState(new UnavailableException(this.first, ConsistencyLevel.LOCAL_QUORUM, 2, 1))).isFalse();
		assertThat(CassandraLinkStore.isRefusedPagingState(new OverloadedException(this.first))).isFalse();
		assertThat(CassandraLinkStore.isRefusedPagingState(new ClosedConnectionException("Lost connection"))).isFalse();
		assertThat(CassandraLinkStore.isRefusedPagingState(new NoNodeAvailableException())).isFalse();
		assertThat(CassandraLinkStore.isRefusedPagingState(
				allFailed(new ServerError(this.first, "x"), new ClosedConnectionException("Lost connection"))))
			.as("one node was unreachable")
			.isFalse();
	}

	private AllNodesFailedException allFailed(Throwable onFirst, Throwable onSecond) {
		Map<Node, Throwable> errors = new LinkedHashMap<>();
		errors.put(this.first, onFirst);
		errors.put(this.second, onSecond);
		return AllNodesFailedException.fromErrors(errors);
	}

}
