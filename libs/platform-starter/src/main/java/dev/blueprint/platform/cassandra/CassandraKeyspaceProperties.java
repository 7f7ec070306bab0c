package dev.blueprint.platform.cassandra;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the keyspace named by {@code spring.cassandra.keyspace-name} is created at
 * start-up.
 *
 * @param createKeyspace whether to run {@code CREATE KEYSPACE IF NOT EXISTS} before
 * connecting; turn it off where the keyspace is provisioned separately and the service's
 * role may not create keyspaces
 * @param replicationFactor the {@code SimpleStrategy} replication factor of a newly
 * created keyspace. Production clusters should create the keyspace beforehand with
 * {@code NetworkTopologyStrategy} and a factor per data centre (typically 3); an existing
 * keyspace is left untouched
 * @param schemaTimeout request timeout of the schema statement; schema changes wait for
 * agreement between nodes and take seconds on small machines, far beyond the driver's 2 s
 * default
 */
@ConfigurationProperties("blueprint.cassandra")
public record CassandraKeyspaceProperties(@DefaultValue("true") boolean createKeyspace,
		@DefaultValue("1") int replicationFactor, @DefaultValue("10s") Duration schemaTimeout) {

	public CassandraKeyspaceProperties {
		if (replicationFactor < 1) {
			throw new IllegalArgumentException(
					"blueprint.cassandra.replication-factor must be at least 1, was " + replicationFactor);
		}
	}

}
