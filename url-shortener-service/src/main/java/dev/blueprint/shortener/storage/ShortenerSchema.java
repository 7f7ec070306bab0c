package dev.blueprint.shortener.storage;

import java.time.Duration;
import java.util.List;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's tables, created at start-up. Every statement is {@code IF NOT EXISTS}, so
 * the migration is idempotent and safe for several instances starting at once.
 */
public final class ShortenerSchema {

	private static final Logger logger = LoggerFactory.getLogger(ShortenerSchema.class);

	private static final Duration SCHEMA_TIMEOUT = Duration.ofSeconds(30);

	static final List<String> STATEMENTS = List.of(
			"CREATE TABLE IF NOT EXISTS id_counters (name text PRIMARY KEY, next_id bigint)",
			"CREATE TABLE IF NOT EXISTS links (code text PRIMARY KEY, url text, created_at timestamp, "
					+ "expires_at timestamp, owner text, redirect_type int)",
			"CREATE TABLE IF NOT EXISTS links_by_owner (owner text, created_at timestamp, code text, url text, "
					+ "expires_at timestamp, redirect_type int, PRIMARY KEY ((owner), created_at, code)) "
					+ "WITH CLUSTERING ORDER BY (created_at DESC, code ASC)",
			"CREATE TABLE IF NOT EXISTS clicks (code text, day date, clicks counter, PRIMARY KEY ((code), day))",
			"CREATE TABLE IF NOT EXISTS idempotency_keys (scope_key text PRIMARY KEY, request_hash text, "
					+ "response text)");

	private ShortenerSchema() {
	}

	/** Creates the tables that do not exist yet, in the session's keyspace. */
	public static void migrate(CqlSession session) {
		for (String cql : STATEMENTS) {
			session.execute(SimpleStatement.newInstance(cql).setTimeout(SCHEMA_TIMEOUT));
		}
		session.checkSchemaAgreement();
		logger.info("Schema of {} is up to date ({} tables)", session.getKeyspace().orElse(null), STATEMENTS.size());
	}

}
