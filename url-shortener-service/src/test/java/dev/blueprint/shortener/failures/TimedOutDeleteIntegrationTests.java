package dev.blueprint.shortener.failures;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import dev.blueprint.shortener.ShortenerProperties;
import dev.blueprint.shortener.cache.LinkResolver;
import dev.blueprint.shortener.cache.RedisLinkCache;
import dev.blueprint.shortener.clicks.ClickStats;
import dev.blueprint.shortener.clicks.RedisClickBuffer;
import dev.blueprint.shortener.ids.CodeGenerator;
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
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A delete whose Cassandra batch times out may still be applied, and its retry then finds
 * nothing: neither may leave the link redirecting from Redis or a near-cache. Real Redis
 * and Cassandra; only the timeout is made up (the batch runs, then the driver's exception
 * is thrown), as stopping Cassandra fails the delete's read before the batch.
 */
class TimedOutDeleteIntegrationTests extends ShortenerIntegrationTest {

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

	@Autowired
	StringRedisTemplate redis;

	@Test
	void deleteWhoseBatchTimesOutAfterApplyingStillEmptiesTheCaches() throws Exception {
		String owner = unique("owner");
		String code = create("https://example.com/delete-timed-out", "Authorization", TestTokens.bearer(owner));
		// in Redis since the create, and in the near-cache after a redirect
		assertThat(get("/" + code).statusCode()).isEqualTo(302);
		assertThat(this.redis.hasKey(linkKey(code))).isTrue();
		LinkService timingOut = linkService(new CassandraLinkStore(batchesTimeOutAfterApplying(this.session)));

		assertThatExceptionOfType(StoreUnavailableException.class).isThrownBy(() -> timingOut.delete(code, owner));

		assertThat(this.session.execute("SELECT code FROM links WHERE code = ?", code).one()).isNull();
		assertThat(this.redis.hasKey(linkKey(code))).isFalse();
		assertThat(get("/" + code).statusCode()).isEqualTo(404);
	}

	@Test
	void retriedDeleteThatFindsNothingEmptiesTheCaches() throws Exception {
		String owner = unique("owner");
		String code = create("https://example.com/deleted-late", "Authorization", TestTokens.bearer(owner));
		// a timed out delete applied after its 503 (and its invalidation); the caches
		// still hold the link
		this.session.execute("DELETE FROM links WHERE code = ?", code);
		this.session.execute("DELETE FROM links_by_owner WHERE owner = ?", owner);
		assertThat(get("/" + code).statusCode()).isEqualTo(302);
		assertThat(this.redis.hasKey(linkKey(code))).isTrue();

		assertThat(delete("/api/v1/urls/" + code, "Authorization", TestTokens.bearer(owner)).statusCode())
			.isEqualTo(404);

		assertThat(this.redis.hasKey(linkKey(code))).isFalse();
		assertThat(get("/" + code).statusCode()).isEqualTo(404);
	}

	/** The application's service, on {@code links}. */
	private LinkService linkService(CassandraLinkStore links) {
		return new LinkService(this.rules, this.codes, links,
				new ClickStats(this.clickStore, this.clickBuffer, this.clock), this.idempotency, this.cache,
				this.resolver, this.jsonMapper, this.clock, this.properties, new SimpleMeterRegistry());
	}

	/**
	 * {@code session}, except that a batch, once executed, throws the driver's timeout:
	 * what the service sees when Cassandra applies a write but answers too late.
	 */
	private static CqlSession batchesTimeOutAfterApplying(CqlSession session) {
		return (CqlSession) Proxy.newProxyInstance(CqlSession.class.getClassLoader(),
				new Class<?>[] { CqlSession.class }, (proxy, method, args) -> {
					Object result;
					try {
						result = method.invoke(session, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
					if (method.getName().equals("execute") && args != null && args.length == 1
							&& args[0] instanceof BatchStatement) {
						throw new DriverTimeoutException("Query timed out after PT10S");
					}
					return result;
				});
	}

	private static String linkKey(String code) {
		return "shortener:{" + code + "}:link";
	}

}
