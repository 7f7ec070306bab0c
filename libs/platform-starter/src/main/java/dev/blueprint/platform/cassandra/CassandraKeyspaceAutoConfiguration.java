package dev.blueprint.platform.cassandra;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.cassandra.autoconfigure.CassandraAutoConfiguration;
import org.springframework.boot.cassandra.autoconfigure.CassandraProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Creates the service's keyspace before the keyspace-bound {@link CqlSession} connects,
 * so a fresh cluster needs no manual step. Replaces Spring Boot's {@code CqlSession}
 * bean: a session without a keyspace runs {@code CREATE KEYSPACE IF NOT EXISTS} and is
 * closed, then the session the application uses is built from Boot's
 * {@link CqlSessionBuilder}, which carries {@code spring.cassandra.keyspace-name}.
 */
@AutoConfiguration(before = CassandraAutoConfiguration.class)
@ConditionalOnClass({ CqlSession.class, CassandraAutoConfiguration.class })
@ConditionalOnProperty("spring.cassandra.keyspace-name")
@ConditionalOnBooleanProperty(name = "blueprint.cassandra.create-keyspace", matchIfMissing = true)
@EnableConfigurationProperties(CassandraKeyspaceProperties.class)
public final class CassandraKeyspaceAutoConfiguration {

	private static final Log logger = LogFactory.getLog(CassandraKeyspaceAutoConfiguration.class);

	@Bean
	@ConditionalOnMissingBean
	CqlSession cassandraSession(ObjectProvider<CqlSessionBuilder> builders, CassandraProperties cassandra,
			CassandraKeyspaceProperties properties) {
		String statement = KeyspaceStatements.createIfNotExists(cassandra.getKeyspaceName(),
				properties.replicationFactor());
		try (CqlSession session = builders.getObject().withKeyspace((CqlIdentifier) null).build()) {
			session.execute(SimpleStatement.newInstance(statement).setTimeout(properties.schemaTimeout()));
		}
		logger.info("Keyspace ready: " + statement);
		return builders.getObject().build();
	}

}
