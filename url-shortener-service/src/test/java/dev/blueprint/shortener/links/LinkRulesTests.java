package dev.blueprint.shortener.links;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class LinkRulesTests {

	private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

	private final LinkRules rules = new LinkRules(URI.create("https://sho.rt"), 2048, List.of("evil.example"),
			List.of("api", "actuator", "swagger-ui", "v3"));

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
