package dev.blueprint.shortener.links;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.datastax.oss.driver.api.core.cql.Row;
import dev.blueprint.shortener.support.ShortenerIntegrationTest;
import dev.blueprint.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class LinkApiIntegrationTests extends ShortenerIntegrationTest {

	@Test
	void createsALinkAndRedirectsWith302() throws Exception {
		HttpResponse<String> created = postJson("{\"url\":\"https://example.com/a?b=1\"}");

		assertThat(created.statusCode()).isEqualTo(201);
		String code = json(created, "$.code");
		assertThat(code).matches("[0-9A-Za-z]{7}");
		assertThat(json(created, "$.shortUrl").toString()).isEqualTo("https://sho.rt/" + code);
		assertThat(json(created, "$.url").toString()).isEqualTo("https://example.com/a?b=1");
		assertThat(json(created, "$.createdAt").toString()).isNotBlank();
		// relative to the URL posted to: behind a proxy, the client's address, not this
		// service's
		assertThat(created.headers().firstValue("Location")).hasValue("urls/" + code);
		URI resource = uri("/api/v1/urls").resolve(created.headers().firstValue("Location").orElseThrow());
		assertThat(resource).isEqualTo(uri("/api/v1/urls/" + code));
		HttpResponse<String> details = get(resource.getRawPath());
		assertThat(details.statusCode()).isEqualTo(200);
		assertThat(json(details, "$.code").toString()).isEqualTo(code);

		HttpResponse<String> redirect = get("/" + code);
		assertThat(redirect.statusCode()).isEqualTo(302);
		assertThat(redirect.headers().firstValue("Location")).hasValue("https://example.com/a?b=1");
		assertThat(redirect.headers().firstValue("Cache-Control")).hasValue("no-cache, private");
	}

	@Test
	void nonAsciiTargetsAreStoredAndRedirectedInTheirAsciiForm() throws Exception {
		HttpResponse<String> created = postJson("{\"url\":\"https://ja.wikipedia.org/wiki/東京\"}");

		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		String code = json(created, "$.code");
		String ascii = "https://ja.wikipedia.org/wiki/%E6%9D%B1%E4%BA%AC";
		assertThat(json(created, "$.url").toString()).isEqualTo(ascii);
		assertThat(this.session.execute("SELECT url FROM links WHERE code = ?", code).one().getString(0))
			.isEqualTo(ascii);
		// Tomcat drops a header it cannot write as ISO-8859-1: no Location at all
		HttpResponse<String> redirect = get("/" + code);
		assertThat(redirect.statusCode()).isEqualTo(302);
		assertThat(redirect.headers().firstValue("Location")).hasValue(ascii);

		// U+0080..U+00FF would go out as raw single bytes
		String latin = create("https://example.com/?q=café");
		assertThat(get("/" + latin).headers().firstValue("Location")).hasValue("https://example.com/?q=caf%C3%A9");
		// an internationalized host was "no host" (400) until it became xn--
		String idn = create("https://bücher.example/");
		assertThat(get("/" + idn).headers().firstValue("Location")).hasValue("https://xn--bcher-kva.example/");

		// a link stored before the ASCII form, with its target as given
		String legacy = "legacy" + Long.toString(System.nanoTime(), 36);
		this.session.execute("INSERT INTO links (code, url, created_at, redirect_type) VALUES (?, ?, ?, ?)", legacy,
				"https://ja.wikipedia.org/wiki/東京", java.time.Instant.now(), 302);
		assertThat(get("/" + legacy).headers().firstValue("Location")).hasValue(ascii);
	}

	@Test
	void permanentLinksRedirectWith301AndArePubliclyCacheable() throws Exception {
		HttpResponse<String> created = postJson("{\"url\":\"https://example.com/p\",\"redirectType\":301}");
		String code = json(created, "$.code");

		HttpResponse<String> redirect = get("/" + code);
		assertThat(redirect.statusCode()).isEqualTo(301);
		assertThat(redirect.headers().firstValue("Cache-Control")).hasValue("max-age=86400, public");
	}

	@Test
	void consecutiveCodesAreNotSequential() throws Exception {
		String first = create("https://example.com/1");
		String second = create("https://example.com/2");
		assertThat(first).isNotEqualTo(second);
		int same = 0;
		for (int i = 0; i < 7; i++) {
			same += (first.charAt(i) == second.charAt(i)) ? 1 : 0;
		}
		assertThat(same).isLessThan(4);
	}

	@Test
	void customAliasIsClaimedOnceThen409() throws Exception {
		String alias = unique("alias");
		HttpResponse<String> first = postJson("{\"url\":\"https://example.com/x\",\"alias\":\"" + alias + "\"}");
		HttpResponse<String> second = postJson("{\"url\":\"https://example.com/y\",\"alias\":\"" + alias + "\"}");

		assertThat(first.statusCode()).isEqualTo(201);
		assertThat(json(first, "$.code").toString()).isEqualTo(alias);
		assertThat(second.statusCode()).isEqualTo(409);
		assertThat(second.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(json(second, "$.field").toString()).isEqualTo("alias");
		assertThat(get("/" + alias).headers().firstValue("Location")).hasValue("https://example.com/x");
	}

	@Test
	void sameIdempotencyKeyAndBodyReplaysTheResponse() throws Exception {
		String key = unique("key");
		String body = "{\"url\":\"https://example.com/idem\"}";
		HttpResponse<String> first = postJson(body, "Idempotency-Key", key);
		HttpResponse<String> second = postJson(body, "Idempotency-Key", key);

		assertThat(first.statusCode()).isEqualTo(201);
		assertThat(second.statusCode()).isEqualTo(201);
		assertThat(second.body()).isEqualTo(first.body());
		assertThat(second.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
	}

	@Test
	void sameIdempotencyKeyWithAnotherBodyIs422() throws Exception {
		String key = unique("key");
		postJson("{\"url\":\"https://example.com/one\"}", "Idempotency-Key", key);
		HttpResponse<String> other = postJson("{\"url\":\"https://example.com/two\"}", "Idempotency-Key", key);

		assertThat(other.statusCode()).isEqualTo(422);
		assertThat(other.headers().firstValue("Content-Type")).hasValue("application/problem+json");
	}

	@Test
	void idempotencyKeysOfDifferentUsersDoNotMix() throws Exception {
		String key = unique("key");
		HttpResponse<String> alice = postJson("{\"url\":\"https://example.com/a\"}", "Idempotency-Key", key,
				"Authorization", TestTokens.bearer("alice"));
		HttpResponse<String> bob = postJson("{\"url\":\"https://example.com/b\"}", "Idempotency-Key", key,
				"Authorization", TestTokens.bearer("bob"));
		assertThat(alice.statusCode()).isEqualTo(201);
		assertThat(bob.statusCode()).isEqualTo(201);
		assertThat(json(bob, "$.code").toString()).isNotEqualTo(json(alice, "$.code"));
	}

	@Test
	void unknownCodeIs404AsProblemOrHtml() throws Exception {
		HttpResponse<String> api = get("/Zz" + unique("n").substring(2, 8), "Accept", "application/json");
		assertThat(api.statusCode()).isEqualTo(404);
		assertThat(api.headers().firstValue("Content-Type")).hasValue("application/problem+json");

		HttpResponse<String> browser = get("/nope-" + unique("x"), "Accept", "text/html,application/xhtml+xml");
		assertThat(browser.statusCode()).isEqualTo(404);
		assertThat(browser.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
		assertThat(browser.body()).contains("<h1>No such link</h1>");

		// not stored: the body varies by Accept, and the code may be claimed any moment
		for (HttpResponse<String> notFound : List.of(api, browser)) {
			assertThat(notFound.headers().firstValue("Cache-Control")).hasValue("no-store");
			assertVariesByAccept(notFound);
		}
	}

	@Test
	void expiredLinkIs410AndItsRowIsRemovedByTtlAfterTheRetention() throws Exception {
		Instant expiresAt = Instant.now().plusSeconds(2);
		HttpResponse<String> created = postJson(
				"{\"url\":\"https://example.com/soon\",\"expiresAt\":\"" + expiresAt + "\"}");
		String code = json(created, "$.code");
		assertThat(get("/" + code).statusCode()).isEqualTo(302);
		Row ttl = this.session.execute("SELECT TTL(url) FROM links WHERE code = ?", code).one();
		// life (2 s) + retention (3 s in these tests)
		assertThat(ttl.getInt(0)).isBetween(3, 5);

		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			HttpResponse<String> gone = get("/" + code, "Accept", "text/html");
			assertThat(gone.statusCode()).isEqualTo(410);
			assertThat(gone.body()).contains("has expired");
		});
		HttpResponse<String> gone = get("/" + code);
		assertThat(gone.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertVariesByAccept(gone);
		// cacheable only while the row lives (3 s of retention here): an alias whose row
		// is gone can be claimed again
		assertThat(gone.headers().firstValue("Cache-Control").orElseThrow()).matches("max-age=[1-3], public|no-store");
		await().atMost(Duration.ofSeconds(8))
			.until(() -> this.session.execute("SELECT code FROM links WHERE code = ?", code).one() == null);
		// the caches may still answer 410, but no longer cacheable (or 404)
		assertThat(get("/" + code).headers().firstValue("Cache-Control")).hasValue("no-store");
	}

	@Test
	void metadataShowsClickCountsWithinSeconds() throws Exception {
		String code = create("https://example.com/counted", "Authorization", TestTokens.bearer("carol"));
		for (int i = 0; i < 5; i++) {
			assertThat(get("/" + code).statusCode()).isEqualTo(302);
		}
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			HttpResponse<String> details = get("/api/v1/urls/" + code);
			assertThat(details.statusCode()).isEqualTo(200);
			assertThat(json(details, "$.clicks.total").toString()).isEqualTo("5");
			List<Map<String, Object>> daily = json(details, "$.clicks.daily");
			assertThat(daily).hasSize(1);
			// counted on the UTC day of the redirects (a run across midnight sees
			// yesterday)
			LocalDate today = LocalDate.now(ZoneOffset.UTC);
			assertThat(daily.get(0).get("day")).isIn(today.toString(), today.minusDays(1).toString());
		});
		HttpResponse<String> anonymous = get("/api/v1/urls/" + code);
		assertThat(json(anonymous, "$.url").toString()).isEqualTo("https://example.com/counted");
		assertThat(anonymous.body()).doesNotContain("carol");
		HttpResponse<String> owner = get("/api/v1/urls/" + code, "Authorization", TestTokens.bearer("carol"));
		assertThat(json(owner, "$.owner").toString()).isEqualTo("carol");
	}

	@Test
	void clicksOfDaysBeforeTheLinkWasCreatedAreNotShown() throws Exception {
		String alias = unique("reclaimed");
		HttpResponse<String> created = postJson(
				"{\"url\":\"https://example.com/reclaimed\",\"alias\":\"" + alias + "\"}");
		assertThat(created.statusCode()).isEqualTo(201);
		// what a previous link of this alias left: counters carry no TTL, so they outlive
		// its row
		LocalDate createdOn = LocalDate.ofInstant(Instant.parse(json(created, "$.createdAt")), ZoneOffset.UTC);
		for (LocalDate day : List.of(createdOn.minusDays(1), createdOn.minusDays(40))) {
			this.session.execute("UPDATE clicks SET clicks = clicks + 100 WHERE code = ? AND day = ?", alias, day);
		}
		assertThat(get("/" + alias).statusCode()).isEqualTo(302);

		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			HttpResponse<String> details = get("/api/v1/urls/" + alias);
			assertThat(details.statusCode()).isEqualTo(200);
			assertThat(json(details, "$.clicks.total").toString()).isEqualTo("1");
			List<Map<String, Object>> daily = json(details, "$.clicks.daily");
			assertThat(daily).hasSize(1);
			assertThat(LocalDate.parse(daily.get(0).get("day").toString())).isAfterOrEqualTo(createdOn);
		});
	}

	@Test
	void onlyTheOwnerDeletesAndTheLinkStopsRedirectingAtOnce() throws Exception {
		String code = create("https://example.com/mine", "Authorization", TestTokens.bearer("dave"));
		assertThat(get("/" + code).statusCode()).isEqualTo(302);

		assertThat(delete("/api/v1/urls/" + code).statusCode()).isEqualTo(401);
		assertThat(delete("/api/v1/urls/" + code, "Authorization", TestTokens.bearer("eve")).statusCode())
			.isEqualTo(403);
		assertThat(delete("/api/v1/urls/" + code, "Authorization", TestTokens.bearer("dave")).statusCode())
			.isEqualTo(204);

		assertThat(get("/" + code).statusCode()).isEqualTo(404);
		assertThat(get("/api/v1/urls/" + code).statusCode()).isEqualTo(404);
		assertThat(delete("/api/v1/urls/" + code, "Authorization", TestTokens.bearer("dave")).statusCode())
			.isEqualTo(404);
	}

	@Test
	void anonymousLinksCannotBeDeleted() throws Exception {
		String code = create("https://example.com/anon");
		assertThat(delete("/api/v1/urls/" + code, "Authorization", TestTokens.bearer("dave")).statusCode())
			.isEqualTo(403);
		assertThat(get("/" + code).statusCode()).isEqualTo(302);
	}

	@Test
	void listsTheCallersLinksNewestFirstInPages() throws Exception {
		String user = unique("lister");
		String auth = TestTokens.bearer(user);
		String first = create("https://example.com/l1", "Authorization", auth);
		String second = create("https://example.com/l2", "Authorization", auth);
		String third = create("https://example.com/l3", "Authorization", auth);

		HttpResponse<String> page1 = get("/api/v1/urls?owner=me&size=2", "Authorization", auth);
		assertThat(page1.statusCode()).isEqualTo(200);
		assertThat(json(page1, "$.items[*].code").toString()).contains(third, second).doesNotContain(first);
		String cursor = json(page1, "$.nextCursor");
		HttpResponse<String> page2 = get("/api/v1/urls?owner=me&size=2&cursor=" + cursor, "Authorization", auth);
		assertThat(json(page2, "$.items[*].code").toString()).contains(first);
		assertThat(json(page2, "$.items.length()").toString()).isEqualTo("1");

		assertThat(get("/api/v1/urls?owner=me").statusCode()).isEqualTo(401);
		assertThat(get("/api/v1/urls?owner=someone", "Authorization", auth).statusCode()).isEqualTo(400);
		// Not base64, and base64 of something that is no paging state (Cassandra's
		// protocol error was a 500)
		for (String bad : new String[] { "%25%25%25", "Zm9vYmFy", "AAAAAAAAAAAAAAAAAAAAAAAA" }) {
			HttpResponse<String> refused = get("/api/v1/urls?owner=me&cursor=" + bad, "Authorization", auth);
			assertThat(refused.statusCode()).as(bad + ": " + refused.body()).isEqualTo(400);
			assertThat(json(refused, "$.field").toString()).isEqualTo("cursor");
		}
	}

	/**
	 * A record without its request hash, as a reservation's hash written later than the
	 * completed one (the app's clock behind Cassandra's, before 2026-12-07) left it once
	 * it expired: the key answers 409 (in use), not a 500.
	 */
	@Test
	void aStoredResponseWithoutItsRequestHashIsAKeyInUse() throws Exception {
		String key = unique("key");
		String user = unique("orphan");
		this.session.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(
				"INSERT INTO idempotency_keys (scope_key, response) VALUES (?, ?) USING TTL 600",
				"user:" + user + "|" + key, "{\"code\":\"x\"}"));

		HttpResponse<String> response = postJson("{\"url\":\"https://example.com/orphan\"}", "Idempotency-Key", key,
				"Authorization", TestTokens.bearer(user));

		assertThat(response.statusCode()).as(response.body()).isEqualTo(409);
	}

	@Test
	void invalidTokenIsRejectedEvenOnAnonymousCreate() throws Exception {
		HttpResponse<String> response = postJson("{\"url\":\"https://example.com\"}", "Authorization",
				"Bearer " + TestTokens.tampered("alice"));
		assertThat(response.statusCode()).isEqualTo(401);
	}

	@Test
	void apiIsDocumentedWithOpenApi() throws Exception {
		HttpResponse<String> docs = get("/v3/api-docs");
		assertThat(docs.statusCode()).isEqualTo(200);
		assertThat(docs.body()).contains("/api/v1/urls", "/{code}");
		assertThat(get("/swagger-ui.html").statusCode()).isIn(200, 302);
	}

	private static void assertVariesByAccept(HttpResponse<String> response) {
		assertThat(response.headers()
			.allValues("Vary")
			.stream()
			.flatMap((vary) -> Arrays.stream(vary.split(",")))
			.map(String::trim)
			.toList()).contains("Accept");
	}

}
