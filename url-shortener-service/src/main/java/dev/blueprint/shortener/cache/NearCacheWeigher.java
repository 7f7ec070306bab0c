package dev.blueprint.shortener.cache;

import java.util.Optional;

import com.github.benmanes.caffeine.cache.Weigher;
import dev.blueprint.shortener.links.RedirectTarget;

/**
 * What a near-cache entry weighs: an estimate of its bytes, and never less than the
 * near-cache's byte bound divided by its entry bound (rounded up), so that under one
 * weight bound neither is exceeded (short entries are charged that share, so a mix of
 * short and long ones holds somewhat fewer entries than either bound alone would).
 * Measured on a 64-bit JVM with compressed pointers (Caffeine 3.2, an expiring cache;
 * {@code benchmarks/near-cache/NearCacheFootprint.java}): 249 bytes an entry with a
 * 30-character URL, 342 with 100, 742 with 500, 2,286 with 2,048, so about 240 bytes plus
 * the URL's (one a character, two when it holds one above U+00FF); counted as 256 plus
 * the code's and the URL's bytes, a little above each measurement.
 */
final class NearCacheWeigher implements Weigher<String, Optional<RedirectTarget>> {

	/** The bytes of an entry besides its code's and URL's characters, rounded up. */
	static final int OVERHEAD = 256;

	private final int floor;

	/**
	 * @param maxBytes the near-cache's bound in bytes
	 * @param maxEntries its bound in entries
	 */
	NearCacheWeigher(long maxBytes, long maxEntries) {
		this.floor = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (maxBytes + maxEntries - 1) / maxEntries));
	}

	@Override
	public int weigh(String code, Optional<RedirectTarget> target) {
		long bytes = OVERHEAD + characterBytes(code) + target.map((found) -> characterBytes(found.url())).orElse(0L);
		return (int) Math.min(Integer.MAX_VALUE, Math.max(bytes, this.floor));
	}

	/** A string's characters: one byte each, or two if any needs two (Latin-1 or not). */
	static long characterBytes(String text) {
		for (int i = 0; i < text.length(); i++) {
			if (text.charAt(i) > 0xFF) {
				return 2L * text.length();
			}
		}
		return text.length();
	}

}
