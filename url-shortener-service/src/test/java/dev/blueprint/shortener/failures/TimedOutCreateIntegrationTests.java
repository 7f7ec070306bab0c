package dev.blueprint.shortener.failures;

import java.net.http.HttpResponse;
import java.util.List;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import dev.blueprint.shortener.links.CreateLinkRequest;
import dev.blueprint.shortener.links.LinkCreated;
import dev.blueprint.shortener.links.LinkExceptions.AliasTakenException;
import dev.blueprint.shortener.links.LinkExceptions.StoreUnavailableException;
import dev.blueprint.shortener.links.LinkService;
import dev.blueprint.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A create whose Cassandra write times out may have been applied all the same. An alias
 * claim is settled by reading its row back; otherwise the Idempotency-Key stays reserved
 * so that a retry with it cannot create the link twice. Real Redis and Cassandra; only
 * the timeouts are made up, as in {@link TimedOutDeleteIntegrationTests}.
 */
class TimedOutCreateIntegrationTests extends TimedOutWriteIntegrationTest {

	private static final String ADDRESS = "127.0.0.1";

	@Test
	void aliasClaimThatTimesOutAfterApplyingIsCreatedListedAndReplayed() throws Exception {
		String owner = unique("owner");
		String alias = unique("late");
		String key = unique("key");
		LinkService timingOut = linkService(timingOut(this.session, TimedOutCreateIntegrationTests::isAliasClaim,
				TimedOutWriteIntegrationTest::never));

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
				TimedOutWriteIntegrationTest::never));

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
		LinkService timingOut = linkService(timingOut(this.session, TimedOutWriteIntegrationTest::never,
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
				TimedOutWriteIntegrationTest::never));

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

	private static boolean isAliasClaim(Statement<?> statement) {
		return statement instanceof BoundStatement bound
				&& bound.getPreparedStatement().getQuery().contains("IF NOT EXISTS");
	}

	private static boolean isSerialRead(Statement<?> statement) {
		return statement.getConsistencyLevel() != null && statement.getConsistencyLevel().isSerial();
	}

}
