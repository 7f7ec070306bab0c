package dev.blueprint.shortener.web;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import com.datastax.oss.driver.api.core.cql.Row;
import dev.blueprint.shortener.storage.CassandraLinkStore;
import dev.blueprint.shortener.support.ShortenerIntegrationTest;
import dev.blueprint.testsupport.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every bad input of the API at its edge: the exact status, a problem document naming the
 * field, and nothing stored.
 */
class BadInputIntegrationTests extends ShortenerIntegrationTest {

	@Autowired
	MeterRegistry meters;

	@ParameterizedTest
	@ValueSource(strings = { "javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd", "ftp://example.com/x",
			"/relative", "https://", "https://sho.rt/loop" })
	void urlThatIsNotAnAbsoluteHttpUrlElsewhereIs400NamingUrlAndStoresNothing(String url) throws Exception {
		String alias = unique("bad");
		HttpResponse<String> response = postJson("{\"url\":\"" + url + "\",\"alias\":\"" + alias + "\"}");

		assertFieldProblem(response, "url");
		assertNotStored(alias);
	}

	@Test
	void urlLengthLimitIs2048Characters() throws Exception {
		String prefix = "https://example.com/";
		String atLimit = prefix + "a".repeat(2048 - prefix.length());
		assertThat(postJson("{\"url\":\"" + atLimit + "\"}").statusCode()).isEqualTo(201);
		HttpResponse<String> over = postJson("{\"url\":\"" + atLimit + "a\"}");
		assertFieldProblem(over, "url");
		assertThat(json(over, "$.detail").toString()).isEqualTo("url must be at most 2048 characters");
	}

	@ParameterizedTest
	@ValueSource(strings = { "ab", "abcdefghijklmnopqrstuvwxyz0123456", "has.dot", "api", "Actuator", "swagger-ui",
			"v3", "abcDEF7" })
	void aliasOutsideThePatternReservedOrShapedLikeACodeIs400NamingAlias(String alias) throws Exception {
		HttpResponse<String> response = postJson("{\"url\":\"https://example.com\",\"alias\":\"" + alias + "\"}");

		assertFieldProblem(response, "alias");
		assertNotStored(alias);
	}

	@Test
	void expiryInThePastIs400NamingExpiresAt() throws Exception {
		String alias = unique("past");
		HttpResponse<String> response = postJson("{\"url\":\"https://example.com\",\"alias\":\"" + alias
				+ "\",\"expiresAt\":\"" + Instant.now().minusSeconds(1) + "\"}");

		assertFieldProblem(response, "expiresAt");
		assertNotStored(alias);
	}

	@Test
	void expiryBeyondWhatStorageKeepsIs400NamingExpiresAtAndTheLatestAllowed() throws Exception {
		// the row lives 3 s past expiresAt here (shortener.links.expired-retention)
		Instant latest = CassandraLinkStore.latestExpiry(Instant.now()).minusSeconds(3);
		String alias = unique("late");
		HttpResponse<String> over = postJson("{\"url\":\"https://example.com\",\"alias\":\"" + alias
				+ "\",\"expiresAt\":\"" + latest.plusMillis(1) + "\"}");

		assertFieldProblem(over, "expiresAt");
		assertThat(json(over, "$.detail").toString())
			.isEqualTo("expiresAt must be at most " + latest + ", the latest expiry storage keeps");
		assertNotStored(alias);
		// were 500s: Cassandra refused the row, or the timestamp overflowed
		for (Instant far : new Instant[] { Instant.parse("9999-12-31T23:59:59Z"), Instant.MAX }) {
			assertFieldProblem(postJson("{\"url\":\"https://example.com\",\"expiresAt\":\"" + far + "\"}"),
					"expiresAt");
		}

		HttpResponse<String> atLatest = postJson(
				"{\"url\":\"https://example.com\",\"alias\":\"" + alias + "\",\"expiresAt\":\"" + latest + "\"}");
		assertThat(atLatest.statusCode()).as(atLatest.body()).isEqualTo(201);
		// kept until then, not cut short
		Row ttl = this.session.execute("SELECT TTL(url) FROM links WHERE code = ?", alias).one();
		long untilLatest = Duration.between(Instant.now(), latest.plusSeconds(3)).toSeconds();
		assertThat((long) ttl.getInt(0)).isCloseTo(untilLatest, within(5L));
	}

	@Test
	void valueOfTheWrongTypeIs400NamingTheField() throws Exception {
		assertFieldProblem(postJson("{\"url\":\"https://example.com\",\"expiresAt\":\"tomorrow\"}"), "expiresAt");
		assertFieldProblem(postJson("{\"url\":\"https://example.com\",\"redirectType\":307}"), "redirectType");
	}

	/**
	 * A misspelt field is refused, not ignored: the link would have been created with a
	 * random code instead of the alias asked for, or kept for ever instead of expiring.
	 */
	@Test
	void aFieldTheApiDoesNotHaveIs400NamingItAndStoresNothing() throws Exception {
		String alias = "misspelt-" + Long.toString(System.nanoTime(), 36);
		HttpResponse<String> response = postJson("{\"url\":\"https://example.com\",\"alais\":\"" + alias + "\"}");
		assertFieldProblem(response, "alais");
		assertThat(json(response, "$.detail").toString())
			.isEqualTo("alais is not a field of this request (its fields: alias, expiresAt, redirectType, url)");
		assertThat(json(response, "$.errors[0].field").toString()).isEqualTo("alais");
		assertThat(json(response, "$.errors[0].message").toString())
			.isEqualTo("is not a field of this request (its fields: alias, expiresAt, redirectType, url)");
		assertFieldProblem(postJson("{\"url\":\"https://example.com\",\"redirectType\":301.5}"), "redirectType");
		assertNotStored(alias);
	}

	@Test
	void malformedJsonIs400() throws Exception {
		HttpResponse<String> response = postJson("{\"url\": \"https://example.com\"");

		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
	}

	@Test
	void wrongContentTypeIs415() throws Exception {
		HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(uri("/api/v1/urls"))
			.header("Content-Type", "text/plain")
			.POST(HttpRequest.BodyPublishers.ofString("https://example.com"))
			.build(), HttpResponse.BodyHandlers.ofString());

		assertThat(response.statusCode()).isEqualTo(415);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
	}

	@Test
	void bodyOverTheLimitIs413WithOrWithoutContentLength() throws Exception {
		// padded with whitespace: a field the API does not have would be a 400 of its own
		String padded = "{\"url\":\"https://example.com\"" + " ".repeat(8 * 1024) + "}";
		HttpResponse<String> sized = postJson(padded);
		assertThat(sized.statusCode()).isEqualTo(413);
		assertThat(sized.headers().firstValue("Content-Type")).hasValue("application/problem+json");

		HttpResponse<String> chunked = this.http.send(HttpRequest.newBuilder(uri("/api/v1/urls"))
			.header("Content-Type", "application/json")
			.timeout(Duration.ofSeconds(20))
			.POST(HttpRequest.BodyPublishers
				.ofInputStream(() -> new ByteArrayInputStream(padded.getBytes(StandardCharsets.UTF_8))))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(chunked.statusCode()).isEqualTo(413);

		String justUnder = "{\"url\":\"https://example.com\"" + " ".repeat(8 * 1024 - 30) + "}";
		assertThat(justUnder.length()).isLessThanOrEqualTo(8 * 1024);
		assertThat(postJson(justUnder).statusCode()).isEqualTo(201);
	}

	@Test
	void takenAliasIs409() throws Exception {
		String alias = unique("taken");
		assertThat(postJson("{\"url\":\"https://example.com/1\",\"alias\":\"" + alias + "\"}").statusCode())
			.isEqualTo(201);
		HttpResponse<String> again = postJson("{\"url\":\"https://example.com/2\",\"alias\":\"" + alias + "\"}");
		assertThat(again.statusCode()).isEqualTo(409);
		assertThat(json(again, "$.field").toString()).isEqualTo("alias");
	}

	/**
	 * Refused by Spring before the listing runs: were 400s with Spring's default problem,
	 * which named no field.
	 */
	@Test
	void listingParameterOfTheWrongTypeMissingOrOutOfRangeIs400NamingIt() throws Exception {
		String auth = TestTokens.bearer(unique("params"));
		HttpResponse<String> notANumber = get("/api/v1/urls?owner=me&size=abc", "Authorization", auth);
		assertFieldProblem(notANumber, "size");
		assertThat(json(notANumber, "$.errors[0].field").toString()).isEqualTo("size");
		HttpResponse<String> noOwner = get("/api/v1/urls?size=2", "Authorization", auth);
		assertFieldProblem(noOwner, "owner");
		assertThat(json(noOwner, "$.errors[0].field").toString()).isEqualTo("owner");
		assertFieldProblem(get("/api/v1/urls?owner=me&size=0", "Authorization", auth), "size");
		assertFieldProblem(get("/api/v1/urls?owner=me&size=101", "Authorization", auth), "size");
		assertThat(get("/api/v1/urls?owner=me&size=100", "Authorization", auth).statusCode()).isEqualTo(200);
	}

	/**
	 * A cursor whose framing is right but whose row mark is cut short: Cassandra fails
	 * decoding it as it resumes the read, a server error, which was a 500.
	 */
	@Test
	void cursorWithARowMarkCutShortIs400NamingCursor() throws Exception {
		String auth = TestTokens.bearer(unique("forger"));
		for (int i = 0; i < 2; i++) {
			create("https://example.com/page-" + i, "Authorization", auth);
		}
		HttpResponse<String> page = get("/api/v1/urls?owner=me&size=1", "Authorization", auth);
		String cursor = json(page, "$.nextCursor");
		byte[] state = Base64.getUrlDecoder().decode(cursor);
		// Cassandra's paging state (protocol v4+): vint length, partition key (empty for
		// a single partition's read), vint length, row mark (the last row's clustering:
		// created_at, then the code with its length), then two vints; the lengths are
		// under 128 here, one byte each. Dropping the mark's last byte keeps the framing
		// right and cuts the code short.
		int keyLength = state[0];
		int markAt = 1 + keyLength;
		int markLength = state[markAt];
		assertThat(keyLength).isBetween(0, 127);
		assertThat(markLength).isBetween(2, 127);
		ByteArrayOutputStream forged = new ByteArrayOutputStream();
		forged.write(state, 0, markAt);
		forged.write(markLength - 1);
		forged.write(state, markAt + 1, markLength - 1);
		forged.write(state, markAt + 1 + markLength, state.length - markAt - 1 - markLength);
		String cutShort = Base64.getUrlEncoder().withoutPadding().encodeToString(forged.toByteArray());

		HttpResponse<String> refused = get("/api/v1/urls?owner=me&size=1&cursor=" + cutShort, "Authorization", auth);

		assertFieldProblem(refused, "cursor");
		// and the genuine cursor still pages
		assertThat(get("/api/v1/urls?owner=me&size=1&cursor=" + cursor, "Authorization", auth).statusCode())
			.isEqualTo(200);
	}

	@ParameterizedTest
	@ValueSource(strings = { "/ab", "/abcdefghijklmnopqrstuvwxyz0123456", "/bad.code", "/bad%20code", "/api",
			"/favicon.ico" })
	void redirectOfAnImpossibleCodeIs404WithoutTouchingRedisOrCassandra(String path) throws Exception {
		double lookups = count("blueprint.shortener.cache.lookups");
		double reads = count("blueprint.shortener.store.reads");

		HttpResponse<String> response = get(path);

		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(count("blueprint.shortener.cache.lookups")).isEqualTo(lookups);
		assertThat(count("blueprint.shortener.store.reads")).isEqualTo(reads);
	}

	private double count(String name) {
		return Search.in(this.meters).name(name).counters().stream().mapToDouble((c) -> c.count()).sum();
	}

	private static void assertFieldProblem(HttpResponse<String> response, String field) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(json(response, "$.field").toString()).isEqualTo(field);
		assertThat(json(response, "$.detail").toString()).startsWith(field);
	}

	private void assertNotStored(String code) {
		assertThat(this.session.execute("SELECT code FROM links WHERE code = ?", code).one()).isNull();
	}

}
