package dev.blueprint.platform.cassandra;

import com.datastax.oss.driver.api.core.CqlIdentifier;

final class KeyspaceStatements {

	private KeyspaceStatements() {
	}

	static String createIfNotExists(String keyspace, int replicationFactor) {
		return "CREATE KEYSPACE IF NOT EXISTS " + CqlIdentifier.fromCql(keyspace).asCql(true)
				+ " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': " + replicationFactor + "}";
	}

}
