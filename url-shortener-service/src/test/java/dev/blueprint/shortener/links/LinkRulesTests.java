package dev.blueprint.shortener.links;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import dev.blueprint.shortener.storage.CassandraLinkStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class LinkRulesTests {

	private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

	private static final Duration RETENTION = Duration.ofDays(30);

	/** As the application wires it. */
	private final LinkRules rules = new LinkRules(URI.create("https://sho.rt"), 2048,
			List.of("evil.example", "böse.example"), List.of("api", "actuator", "swagger-ui", "v3"),
			(now) -> CassandraLinkStore.latestExpiry(now).minus(RETENTION));

	@Test
	void acceptsAnAbsoluteHttpsUrl() {
		assertThat(this.rules.check("https://example.com/a?b=c#d", null, null, null, NOW)).isEmpty();
		assertThat(this.rules.check("HTTP://EXAMPLE.COM", "my-link_1", NOW.plusSeconds(1), 301, NOW)).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd", "ftp://example.com/x",
			"/relative/path", "example.com/no-scheme", "https:///no-host", "https://", "http://exa mple.com", " " })
	void rejectsUrlsThatAreNotAbsoluteHttp(String url) {
		assertThat(this.rules.check(url, null, null, null, NOW)).extracting(FieldViolation::field)
			.containsExactly("url");
	}

	@Test
	void urlLengthLimitIsInclusive() {
		String prefix = "https://example.com/";
		String atLimit = prefix + "a".repeat(2048 - prefix.length());
		assertThat(this.rules.check(atLimit, null, null, null, NOW)).isEmpty();
		assertThat(this.rules.check(atLimit + "a", null, null, null, NOW))
			.containsExactly(new FieldViolation("url", "must be at most 2048 characters"));
	}

	@Test
	void rejectsLoopsToTheShortenerItselfAndBlockedHosts() {
		assertThat(this.rules.check("https://SHO.RT./abc1234", null, null, null, NOW)).extracting(FieldViolation::field)
			.containsExactly("url");
		assertThat(this.rules.check("http://evil.example/x", null, null, null, NOW)).extracting(FieldViolation::field)
			.containsExactly("url");
		// compared in ASCII form: full-width letters map to ASCII, a Unicode host to xn--
		assertThat(this.rules.check("https://ｓｈｏ.ｒｔ/abc1234", null, null, null, NOW)).extracting(FieldViolation::field)
			.containsExactly("url");
		assertThat(this.rules.check("https://BÖSE.example/", null, null, null, NOW)).extracting(FieldViolation::field)
			.containsExactly("url");
	}

	@Test
	void aBlockedHostBlocksItsSubdomainsButNotItsNeighbours() {
		for (String url : List.of("https://www.evil.example/x", "https://a.b.EVIL.example./",
				"https://cdn.böse.example/")) {
			assertThat(this.rules.check(url, null, null, null, NOW)).as(url)
				.containsExactly(new FieldViolation("url",
						"host " + URI.create(LinkRules.toAscii(url)).getHost() + " is not allowed"));
		}
		for (String url : List.of("https://notevil.example/", "https://evil.example.org/", "https://example/",
				"https://www.sho.rt/")) {
			assertThat(this.rules.check(url, null, null, null, NOW)).as(url).isEmpty();
		}
	}

	@Test
	void aWildcardOrLeadingDotEntryMeansTheDomainAndItsSubdomains() {
		LinkRules wildcards = new LinkRules(URI.create("https://sho.rt"), 2048,
				List.of("*.evil.example", ".bad.example"), List.of(),
				(now) -> CassandraLinkStore.latestExpiry(now).minus(RETENTION));
		for (String url : List.of("https://www.evil.example/", "https://evil.example/", "https://x.bad.example/",
				"https://bad.example/")) {
			assertThat(wildcards.check(url, null, null, null, NOW)).as(url)
				.extracting(FieldViolation::field)
				.containsExactly("url");
		}
		assertThat(wildcards.check("https://good.example/", null, null, null, NOW)).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://bank.example@evil.example/", "https://user:secret@example.com/",
			"http://%62ank@example.com/", "https://@example.com/" })
	void aTargetWithAUserNameOrPasswordIsRefused(String url) {
		assertThat(this.rules.check(url, null, null, null, NOW)).singleElement().satisfies((violation) -> {
			assertThat(violation.field()).isEqualTo("url");
			assertThat(violation.message()).contains("user name or password");
		});
	}

	@Test
	void nonAsciiTargetsBecomeAscii() {
		assertThat(LinkRules.toAscii("https://ja.wikipedia.org/wiki/東京"))
			.isEqualTo("https://ja.wikipedia.org/wiki/%E6%9D%B1%E4%BA%AC");
		assertThat(LinkRules.toAscii("https://example.com/search?q=café&x=1#é"))
			.isEqualTo("https://example.com/search?q=caf%C3%A9&x=1#%C3%A9");
		assertThat(LinkRules.toAscii("https://bücher.example/")).isEqualTo("https://xn--bcher-kva.example/");
		assertThat(LinkRules.toAscii("http://user:pässword@Bücher.example:8080/ü?ü#ü"))
			.isEqualTo("http://user:p%C3%A4ssword@xn--bcher-kva.example:8080/%C3%BC?%C3%BC#%C3%BC");
		// a character outside the BMP is one code point of 4 UTF-8 bytes
		assertThat(LinkRules.toAscii("https://example.com/😀")).isEqualTo("https://example.com/%F0%9F%98%80");
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://ja.wikipedia.org/wiki/%E6%9D%B1%E4%BA%AC", "https://xn--bcher-kva.example/",
			"HTTPS://Example.COM:8443/a%2Fb/../c;p=1?q=a+b&r=%7E#top", "https://example.com/a?b=c#d" })
	void asciiTargetsStayAsTheyAre(String url) {
		assertThat(LinkRules.toAscii(url)).isSameAs(url);
	}

	@Test
	void escapesAndReservedCharactersStayWhileOtherCharactersAreEncoded() {
		assertThat(LinkRules.toAscii("https://example.com/%E6%9D%B1京/a%2Fb;p?q=%26&r=é+/?#x:é"))
			.isEqualTo("https://example.com/%E6%9D%B1%E4%BA%AC/a%2Fb;p?q=%26&r=%C3%A9+/?#x:%C3%A9");
	}

	@Test
	void internationalizedHostsAreAcceptedInTheirAsciiForm() {
		assertThat(this.rules.check("https://bücher.example/", null, null, null, NOW)).isEmpty();
		assertThat(this.rules.check("https://ja.wikipedia.org/wiki/東京", null, null, null, NOW)).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(
			strings = { "https://faß.de/", "https://ς.example/", "https://a\u200Db.example/", "https://😀.example/" })
	void hostsThatMapToAnotherDomainOrToNoneAreRejected(String url) {
		assertThat(this.rules.check(url, null, null, null, NOW)).extracting(FieldViolation::field)
			.containsExactly("url");
		assertThatIllegalArgumentException().isThrownBy(() -> LinkRules.toAscii(url));
	}

	@Test
	void anUnpairedSurrogateIsRejected() {
		// URI accepts it, but it has no UTF-8 form to percent-encode
		String url = "https://example.com/a\uD800b";
		assertThat(this.rules.check(url, null, null, null, NOW)).extracting(FieldViolation::field)
			.containsExactly("url");
		assertThatIllegalArgumentException().isThrownBy(() -> LinkRules.toAscii(url));
	}

	@Test
	void urlLengthLimitAppliesToTheAsciiForm() {
		String prefix = "https://example.com/";
		// 3 UTF-8 bytes, 9 characters once encoded
		String atLimit = prefix + "東".repeat((2048 - prefix.length()) / 9) + "a".repeat((2048 - prefix.length()) % 9);
		assertThat(LinkRules.toAscii(atLimit)).hasSize(2048);
		assertThat(this.rules.check(atLimit, null, null, null, NOW)).isEmpty();
		assertThat(this.rules.check(atLimit + "a", null, null, null, NOW)).containsExactly(
				new FieldViolation("url", "must be at most 2048 characters once non-ASCII characters are encoded"));
	}

	@ParameterizedTest
	@ValueSource(
			strings = { "ab", "abcdefghijklmnopqrstuvwxyz0123456", "has space", "dot.ted", "slash/ed", "ümlaut", "" })
	void rejectsAliasesOutsideThePattern(String alias) {
		assertThat(this.rules.check("https://example.com", alias, null, null, NOW))
			.containsExactly(new FieldViolation("alias", "must match [A-Za-z0-9_-]{3,32}"));
	}

	@Test
	void aliasLengthEdgesAreAccepted() {
		assertThat(this.rules.check("https://example.com", "abc", null, null, NOW)).isEmpty();
		assertThat(this.rules.check("https://example.com", "a".repeat(32), null, null, NOW)).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "api", "API", "actuator", "swagger-ui", "v3" })
	void rejectsReservedWordsIgnoringCase(String alias) {
		assertThat(this.rules.check("https://example.com", alias, null, null, NOW)).extracting(FieldViolation::field)
			.containsExactly("alias");
		assertThat(this.rules.isPossibleCode(alias)).isFalse();
	}

	@Test
	void rejectsAliasesShapedLikeGeneratedCodes() {
		assertThat(this.rules.check("https://example.com", "abcDEF1", null, null, NOW))
			.extracting(FieldViolation::field)
			.containsExactly("alias");
		assertThat(this.rules.check("https://example.com", "abc-EF1", null, null, NOW)).isEmpty();
		assertThat(this.rules.check("https://example.com", "abcDEF12", null, null, NOW)).isEmpty();
	}

	@Test
	void expiryMustBeInTheFuture() {
		assertThat(this.rules.check("https://example.com", null, NOW, null, NOW))
			.containsExactly(new FieldViolation("expiresAt", "must be in the future"));
		assertThat(this.rules.check("https://example.com", null, NOW.plusMillis(1), null, NOW)).isEmpty();
	}

	@Test
	void expiryMustEndWithinWhatStorageKeeps() {
		// Cassandra's 2038 limit, less a day of clock skew, less the 410 retention
		Instant latest = Instant.parse("2037-12-19T00:00:00Z");
		assertThat(this.rules.check("https://example.com", null, latest, null, NOW)).isEmpty();
		assertThat(this.rules.check("https://example.com", null, latest.plusNanos(1), null, NOW))
			.containsExactly(new FieldViolation("expiresAt",
					"must be at most 2037-12-19T00:00:00Z, the latest expiry storage keeps"));
		// would overflow the millisecond timestamp Cassandra stores
		assertThat(this.rules.check("https://example.com", null, Instant.MAX, null, NOW))
			.extracting(FieldViolation::field)
			.containsExactly("expiresAt");
	}

	@Test
	void storageKeepsARowTwentyYearsAtMostAndNotBeyond2038() {
		Instant early = Instant.parse("2010-01-01T00:00:00Z");
		assertThat(CassandraLinkStore.latestExpiry(early)).isEqualTo(early.plusSeconds(630_720_000));
		assertThat(CassandraLinkStore.latestExpiry(NOW)).isEqualTo(Instant.parse("2038-01-18T00:00:00Z"));
	}

	@Test
	void redirectTypeIs301Or302() {
		assertThat(this.rules.check("https://example.com", null, null, 307, NOW))
			.containsExactly(new FieldViolation("redirectType", "must be 301 or 302"));
	}

	@Test
	void reportsEveryInvalidField() {
		assertThat(this.rules.check("ftp://x", "!", NOW.minusSeconds(1), 200, NOW)).extracting(FieldViolation::field)
			.containsExactly("url", "alias", "expiresAt", "redirectType");
	}

	@Test
	void possibleCodesHaveTheAliasShape() {
		assertThat(this.rules.isPossibleCode("abcDEF1")).isTrue();
		assertThat(this.rules.isPossibleCode("my-link")).isTrue();
		assertThat(this.rules.isPossibleCode("ab")).isFalse();
		assertThat(this.rules.isPossibleCode("favicon.ico")).isFalse();
		assertThat(this.rules.isPossibleCode("a".repeat(33))).isFalse();
	}

	@Test
	void theHandWrittenCodeCheckIsExactlyTheDocumentedPattern() {
		Pattern documented = Pattern.compile("[A-Za-z0-9_-]{3,32}");
		List<String> candidates = new ArrayList<>();
		for (char c = 0; c < 0x300; c++) {
			candidates.add("ab" + c);
			candidates.add(c + "bcdefgh");
			candidates.add("a" + c + "c");
		}
		candidates.add("abc\u0130");
		candidates.add("\uD83D\uDE00bc");
		for (int length = 0; length <= 40; length++) {
			candidates.add("x".repeat(length));
			candidates.add("-_".repeat(length).substring(0, length));
		}
		for (String candidate : candidates) {
			assertThat(LinkRules.isCodeShaped(candidate)).as(candidate)
				.isEqualTo(documented.matcher(candidate).matches());
		}
		assertThat(LinkRules.isCodeShaped(null)).isFalse();
	}

}
