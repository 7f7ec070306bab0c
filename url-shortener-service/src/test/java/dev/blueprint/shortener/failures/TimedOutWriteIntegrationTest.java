package dev.blueprint.shortener.failures;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.util.function.Predicate;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.cql.Statement;
import dev.blueprint.shortener.ShortenerProperties;
import dev.blueprint.shortener.cache.LinkResolver;
import dev.blueprint.shortener.cache.RedisLinkCache;
import dev.blueprint.shortener.clicks.ClickStats;
import dev.blueprint.shortener.clicks.RedisClickBuffer;
import dev.blueprint.shortener.ids.CodeGenerator;
import dev.blueprint.shortener.links.LinkRules;
import dev.blueprint.shortener.links.LinkService;
import dev.blueprint.shortener.storage.CassandraClickStore;
import dev.blueprint.shortener.storage.CassandraIdempotencyStore;
import dev.blueprint.shortener.storage.CassandraLinkStore;
import dev.blueprint.shortener.support.ShortenerIntegrationTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;

/**
 * Writes that time out: the application's {@link LinkService}, with its own beans, on a
 * link store whose session makes up the driver's timeout for chosen statements (after or
 * instead of running them). Real Redis and Cassandra otherwise.
 */
abstract class TimedOutWriteIntegrationTest extends ShortenerIntegrationTest {

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

	/** The application's service, on {@code links}. */
	LinkService linkService(CassandraLinkStore links) {
		return new LinkService(this.rules, this.codes, links,
				new ClickStats(this.clickStore, this.clickBuffer, this.clock), this.idempotency, this.cache,
				this.resolver, this.jsonMapper, this.clock, this.properties, new SimpleMeterRegistry(),
				CircuitBreaker.ofDefaults("cassandra"));
	}

	/**
	 * A link store on {@code session}, except that a statement {@code appliedLate}
	 * matches is executed and then throws the driver's timeout (Cassandra applied it but
	 * answered too late), and one {@code lost} matches throws it without being executed.
	 */
	static CassandraLinkStore timingOut(CqlSession session, Predicate<Statement<?>> appliedLate,
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

	static boolean never(Statement<?> statement) {
		return false;
	}

}
