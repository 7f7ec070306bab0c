package dev.blueprint.platform.cassandra;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class KeyspaceStatementsTests {

	@Test
	void createsSimpleStrategyKeyspace() {
		assertThat(KeyspaceStatements.createIfNotExists("blueprint_chat", 1))
			.isEqualTo("CREATE KEYSPACE IF NOT EXISTS blueprint_chat WITH replication = "
					+ "{'class': 'SimpleStrategy', 'replication_factor': 1}");
	}

	@Test
	void quotesNamesThatNeedIt() {
		assertThat(KeyspaceStatements.createIfNotExists("\"Mixed\"", 3))
			.startsWith("CREATE KEYSPACE IF NOT EXISTS \"Mixed\" WITH")
			.endsWith("'replication_factor': 3}");
	}

	@Test
	void refusesReplicationFactorBelowOne() {
		assertThatIllegalArgumentException().isThrownBy(() -> new CassandraKeyspaceProperties(true, 0, null))
			.withMessage("blueprint.cassandra.replication-factor must be at least 1, was 0");
	}

}
