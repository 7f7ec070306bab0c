package dev.blueprint.shortener.failures;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import dev.blueprint.shortener.links.LinkExceptions.StoreUnavailableException;
import dev.blueprint.shortener.links.LinkService;
import dev.blueprint.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

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
class TimedOutDeleteIntegrationTests extends TimedOutWriteIntegrationTest {

	@Autowired
	StringRedisTemplate redis;

	@Test
	void deleteWhoseBatchTimesOutAfterApplyingStillEmptiesTheCaches() throws Exception {
		String owner = unique("owner");
		String code = create("https://example.com/delete-timed-out", "Authorization", TestTokens.bearer(owner));
		// in Redis since the create, and in the near-cache after a redirect
		assertThat(get("/" + code).statusCode()).isEqualTo(302);
		assertThat(this.redis.hasKey(linkKey(code))).isTrue();
		LinkService timingOut = linkService(timingOut(this.session, (statement) -> statement instanceof BatchStatement,
				TimedOutWriteIntegrationTest::never));

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

	private static String linkKey(String code) {
		return "shortener:{" + code + "}:link";
	}

}
