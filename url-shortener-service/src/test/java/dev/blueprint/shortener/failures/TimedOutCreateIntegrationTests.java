package dev.blueprint.shortener.failures;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import java.util.function.Predicate;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import dev.blueprint.shortener.ShortenerProperties;
import dev.blueprint.shortener.cache.LinkResolver;
import dev.blueprint.shortener.cache.RedisLinkCache;
import dev.blueprint.shortener.clicks.ClickStats;
import dev.blueprint.shortener.clicks.RedisClickBuffer;
import dev.blueprint.shortener.ids.CodeGenerator;
import dev.blueprint.shortener.links.CreateLinkRequest;
import dev.blueprint.shortener.links.LinkCreated;
import dev.blueprint.shortener.links.LinkExceptions.AliasTakenException;
import dev.blueprint.shortener.links.LinkExceptions.StoreUnavailableException;
import dev.blueprint.shortener.links.LinkRules;
import dev.blueprint.shortener.links.LinkService;
import dev.blueprint.shortener.storage.CassandraClickStore;
import dev.blueprint.shortener.storage.CassandraIdempotencyStore;
import dev.blueprint.shortener.storage.CassandraLinkStore;
import dev.blueprint.shortener.support.ShortenerIntegrationTest;
import dev.blueprint.testsupport.TestTokens;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A create whose Cassandra write times out may have been applied all the same. An alias
 * claim is settled by reading its row back; otherwise the Idempotency-Key stays reserved
 * so that a retry with it cannot create the link twice. Real Redis and Cassandra; only
 * the timeouts are made up, as in {@link TimedOutDeleteIntegrationTests}.
 */
class TimedOutCreateIntegrationTests extends ShortenerIntegrationTest {

	private static final String ADDRESS = "127.0.0.1";

	@Autowired
	LinkRules rules;

	@Autowired
	CodeGenerator codes;

	@Autowired
	CassandraClickStore clickStore;

	@Autowired
	RedisClickBuffer clickBuffer;

	@Autowired
	CassandraIdempotencyStore idempotency;

	@Autowired
	RedisLinkCache cache;

	@Autowired
	LinkResolver resolver;

	@Autowired
	JsonMapper jsonMapper;

	@Autowired
	Clock clock;

	@Autowired
	ShortenerProperties properties;

	@Test
	void aliasClaimThatTimesOutAfterApplyingIsCreatedListedAndReplayed() throws Exception {
		String owner = unique("owner");
		String alias = unique("late");
		String key = unique("key");
		LinkService timingOut = linkService(timingOut(this.session, TimedOutCreateIntegrationTests::isAliasClaim,
				TimedOutCreateIntegrationTests::never));

		LinkCreated created = timingOut
			.create(new CreateLinkRequest("https://example.com/claimed-late", alias, null, null), owner, ADDRESS, key);

		assertThat(created.code()).isEqualTo(alias);
		List<String> listed = json(get("/api/v1/urls?owner=me", "Authorization", TestTokens.bearer(owner)),
				"$.items[*].code");
		assertThat(listed).containsExactly(alias);
		HttpResponse<String> retried = postJson(
				"{\"url\":\"https://example.com/claimed-late\",\"alias\":\"" + alias + "\"}", "Idempotency-Key", key,
				"Authorization", TestTokens.bearer(owner));
		assertThat(retried.statusCode()).as(retried.body()).isEqualTo(201);
		assertThat(this.jsonMapper.readValue(retried.body(), LinkCreated.class)).isEqualTo(created);
	}

	@Test
	void aliasOfAnotherOwnerFoundAfterATimeoutIsTaken() throws Exception {
		String alias = unique("taken");
		HttpResponse<String> first = postJson("{\"url\":\"https://example.com/first\",\"alias\":\"" + alias + "\"}",
				"Authorization", TestTokens.bearer(unique("bob")));
		assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
		LinkService timingOut = linkService(timingOut(this.session, TimedOutCreateIntegrationTests::isAliasClaim,
				TimedOutCreateIntegrationTests::never));

		assertThatExceptionOfType(AliasTakenException.class)
			.isThrownBy(() -> timingOut.create(new CreateLinkRequest("https://example.com/second", alias, null, null),
					unique("alice"), ADDRESS, unique("key")));

		assertThat(get("/" + alias).headers().firstValue("Location")).hasValue("https://example.com/first");
	}

	@Test
	void aliasClaimThatTimesOutUnappliedIsUnavailableAndFreesTheKey() throws Exception {
		String owner = unique("owner");
		String alias = unique("lost");
		String key = unique("key");
		LinkService timingOut = linkService(timingOut(this.session, TimedOutCreateIntegrationTests::never,
				TimedOutCreateIntegrationTests::isAliasClaim));

		assertThatExceptionOfType(StoreUnavailableException.class).isThrownBy(() -> timingOut
			.create(new CreateLinkRequest("https://example.com/lost", alias, null, null), owner, ADDRESS, key));

		HttpResponse<String> retried = postJson("{\"url\":\"https://example.com/lost\",\"alias\":\"" + alias + "\"}",
				"Idempotency-Key", key, "Authorization", TestTokens.bearer(owner));
		assertThat(retried.statusCode()).as(retried.body()).isEqualTo(201);
	}

	@Test
	void aliasClaimWhoseOutcomeCannotBeReadKeepsTheKeyReserved() throws Exception {
		String owner = unique("owner");
		String alias = unique("unknown");
		String key = unique("key");
		LinkService timingOut = linkService(timingOut(this.session, TimedOutCreateIntegrationTests::isAliasClaim,
				TimedOutCreateIntegrationTests::isSerialRead));

		assertThatExceptionOfType(StoreUnavailableException.class).isThrownBy(() -> timingOut
			.create(new CreateLinkRequest("https://example.com/unknown", alias, null, null), owner, ADDRESS, key));

		// the claim was applied: a rerun would answer 409 alias taken
		HttpResponse<String> retried = postJson("{\"url\":\"https://example.com/unknown\",\"alias\":\"" + alias + "\"}",
				"Idempotency-Key", key, "Authorization", TestTokens.bearer(owner));
		assertThat(retried.statusCode()).as(retried.body()).isEqualTo(409);
		assertThat(json(retried, "$.title").toString()).isEqualTo("Idempotency-Key in use");
	}

	@Test
	void generatedLinkWhoseWriteTimesOutKeepsTheKeyReserved() throws Exception {
		String owner = unique("owner");
		String key = unique("key");
		// a signed-in create writes its link and listing row in one batch
		LinkService timingOut = linkService(timingOut(this.session, (statement) -> statement instanceof BatchStatement,
				TimedOutCreateIntegrationTests::never));

		assertThatExceptionOfType(StoreUnavailableException.class).isThrownBy(() -> timingOut
			.create(new CreateLinkRequest("https://example.com/generated", null, null, null), owner, ADDRESS, key));

		HttpResponse<String> retried = postJson("{\"url\":\"https://example.com/generated\"}", "Idempotency-Key", key,
				"Authorization", TestTokens.bearer(owner));
		assertThat(retried.statusCode()).as(retried.body()).isEqualTo(409);
		assertThat(json(retried, "$.title").toString()).isEqualTo("Idempotency-Key in use");
		List<String> listed = json(get("/api/v1/urls?owner=me", "Authorization", TestTokens.bearer(owner)),
				"$.items[*].code");
		assertThat(listed).hasSize(1);
	}

	/** The application's service, on {@code links}. */
	private LinkService linkService(CassandraLinkStore links) {
		return new LinkService(this.rules, this.codes, links,
				new ClickStats(this.clickStore, this.clickBuffer, this.clock), this.idempotency, this.cache,
				this.resolver, this.jsonMapper, this.clock, this.properties, new SimpleMeterRegistry());
	}

	/**
	 * A link store on {@code session}, except that a statement {@code appliedLate}
	 * matches is executed and then throws the driver's timeout (Cassandra applied it but
	 * answered too late), and one {@code lost} matches throws it without being executed.
	 */
	private static CassandraLinkStore timingOut(CqlSession session, Predicate<Statement<?>> appliedLate,
			Predicate<Statement<?>> lost) {
		return new CassandraLinkStore((CqlSession) Proxy.newProxyInstance(CqlSession.class.getClassLoader(),
				new Class<?>[] { CqlSession.class }, (proxy, method, args) -> {
					Statement<?> statement = null;
					if (method.getName().equals("execute") && args != null && args.length == 1
							&& args[0] instanceof Statement<?> executed) {
						statement = executed;
					}
					if (statement != null && lost.test(statement)) {
						throw new DriverTimeoutException("Query timed out after PT10S");
					}
					Object result;
					try {
						result = method.invoke(session, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
					if (statement != null && appliedLate.test(statement)) {
						throw new DriverTimeoutException("Query timed out after PT10S");
					}
					return result;
				}));
	}

	private static boolean isAliasClaim(Statement<?> statement) {
		return statement instanceof BoundStatement bound
				&& bound.getPreparedStatement().getQuery().contains("IF NOT EXISTS");
	}

	private static boolean isSerialRead(Statement<?> statement) {
		return statement.getConsistencyLevel() != null && statement.getConsistencyLevel().isSerial();
	}

	private static boolean never(Statement<?> statement) {
		return false;
	}

}
