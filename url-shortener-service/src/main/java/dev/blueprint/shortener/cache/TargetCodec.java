package dev.blueprint.shortener.cache;

import java.time.Instant;
import java.util.Optional;

import dev.blueprint.shortener.links.RedirectTarget;

/**
 * The Redis value of a code: {@code type|expiresAtMillis|url} ({@code -} for no expiry),
 * or {@code -} alone for an unknown code (a negative entry). A URL may contain {@code |};
 * it is the last field, so splitting on the first two is enough.
 * <p>
 * A value that is none of these (another version's format during a rolling deploy, a key
 * written by hand) is refused with an {@link IllegalArgumentException}, for the cache to
 * treat as a miss: it must not become a redirect with a made-up status or target.
 */
final class TargetCodec {

	static final String NEGATIVE = "-";

	private TargetCodec() {
	}

	static String encode(Optional<RedirectTarget> target) {
		if (target.isEmpty()) {
			return NEGATIVE;
		}
		RedirectTarget value = target.get();
		String expiresAt = (value.expiresAt() != null) ? Long.toString(value.expiresAt().toEpochMilli()) : "-";
		return value.redirectType() + "|" + expiresAt + "|" + value.url();
	}

	/**
	 * @throws IllegalArgumentException when {@code text} is not a value {@link #encode}
	 * writes
	 */
	static Optional<RedirectTarget> decode(String text) {
		if (NEGATIVE.equals(text)) {
			return Optional.empty();
		}
		int first = text.indexOf('|');
		int second = (first < 0) ? -1 : text.indexOf('|', first + 1);
		if (second < 0 || second == text.length() - 1) {
			throw malformed(text);
		}
		String type = text.substring(0, first);
		if (!type.equals("301") && !type.equals("302")) {
			throw malformed(text);
		}
		String expires = text.substring(first + 1, second);
		Instant expiresAt;
		try {
			expiresAt = expires.equals("-") ? null : Instant.ofEpochMilli(Long.parseLong(expires));
		}
		catch (NumberFormatException ex) {
			throw malformed(text);
		}
		return Optional.of(new RedirectTarget(text.substring(second + 1), Integer.parseInt(type), expiresAt));
	}

	private static IllegalArgumentException malformed(String text) {
		String shown = (text.length() <= 40) ? text : text.substring(0, 40) + "…";
		return new IllegalArgumentException("Not a cached redirect target: '" + shown + "'");
	}

}
