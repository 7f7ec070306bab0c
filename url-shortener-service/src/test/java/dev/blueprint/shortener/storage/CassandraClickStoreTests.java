package dev.blueprint.shortener.storage;

import java.time.Duration;
import java.util.Collections;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

/**
 * The click read of {@code GET /api/v1/urls/{code}} waits no longer than the link read
 * before it: it waited the session's 10 s on a hung node.
 */
class CassandraClickStoreTests {

	@Test
	void aLinksClicksAreReadWithTheReadTimeout() {
		CqlSession session = mock(CqlSession.class);
		PreparedStatement prepared = mock(PreparedStatement.class);
		BoundStatement bound = mock(BoundStatement.class);
		ResultSet rows = mock(ResultSet.class);
		given(session.prepare(anyString())).willReturn(prepared);
		given(prepared.bind("abc1234")).willReturn(bound);
		given(bound.setConsistencyLevel(any())).willReturn(bound);
		given(bound.setTimeout(any())).willReturn(bound);
		given(session.execute(bound)).willReturn(rows);
		given(rows.iterator()).willReturn(Collections.emptyIterator());

		assertThat(new CassandraClickStore(session, Duration.ofSeconds(2)).read("abc1234")).isEmpty();

		verify(bound).setTimeout(Duration.ofSeconds(2));
		verify(bound).setConsistencyLevel(ConsistencyLevel.LOCAL_ONE);
	}

}
