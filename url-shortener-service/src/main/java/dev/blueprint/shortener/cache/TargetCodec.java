package dev.blueprint.shortener.cache;

import java.time.Instant;
import java.util.Optional;

import dev.blueprint.shortener.links.RedirectTarget;

/**
 * The Redis value of a code: {@code type|expiresAtMillis|url} ({@code -} for no expiry),
 * or {@code -} alone for an unknown code (a negative entry). A URL may contain {@code |};
 * it is the last field, so splitting on the first two is enough.
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

	static Optional<RedirectTarget> decode(String text) {
		if (NEGATIVE.equals(text)) {
			return Optional.empty();
		}
		int first = text.indexOf('|');
		int second = text.indexOf('|', first + 1);
		int type = Integer.parseInt(text.substring(0, first));
		String expires = text.substring(first + 1, second);
		Instant expiresAt = expires.equals("-") ? null : Instant.ofEpochMilli(Long.parseLong(expires));
		return Optional.of(new RedirectTarget(text.substring(second + 1), type, expiresAt));
	}

}
