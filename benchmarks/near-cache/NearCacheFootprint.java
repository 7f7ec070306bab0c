import java.time.Instant;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

/**
 * What one entry of url-shortener-service's near-cache takes on the heap, by URL length:
 * fills a Caffeine cache built as the service builds it (weighed, expiring, with stats)
 * with 100,000 entries and compares the heap in use after full GCs. The service's
 * NearCacheWeigher counts 256 bytes plus the code's and the URL's characters.
 * <p>
 * Run (single-file source, no build):
 * {@code java -XX:+UseSerialGC -cp <caffeine jar> benchmarks/near-cache/NearCacheFootprint.java}
 */
public class NearCacheFootprint {

	/** The shape of url-shortener-service's RedirectTarget. */
	record RedirectTarget(String url, int redirectType, Instant expiresAt) {
	}

	public static void main(String[] args) {
		int entries = 100_000;
		System.out.println("| URL characters | bytes an entry | counted by the weigher |");
		System.out.println("| --- | --- | --- |");
		for (int length : new int[] { 30, 100, 500, 2048 }) {
			double measured = bytesPerEntry(entries, length);
			System.out.printf("| %d | %.0f | %d |%n", length, measured, 256 + 7 + length);
		}
	}

	private static double bytesPerEntry(int entries, int length) {
		Cache<String, Optional<RedirectTarget>> cache = Caffeine.newBuilder()
			.maximumWeight(Long.MAX_VALUE / 2)
			.weigher((String code, Optional<RedirectTarget> target) -> 1)
			.expireAfter(new Expiry<String, Optional<RedirectTarget>>() {

				@Override
				public long expireAfterCreate(String code, Optional<RedirectTarget> target, long now) {
					return 600_000_000_000L;
				}

				@Override
				public long expireAfterUpdate(String code, Optional<RedirectTarget> target, long now, long current) {
					return current;
				}

				@Override
				public long expireAfterRead(String code, Optional<RedirectTarget> target, long now, long current) {
					return current;
				}

			})
			.recordStats()
			.executor(Runnable::run)
			.build();
		String base = "https://example.com/" + "a".repeat(Math.max(0, length - 20));
		long before = usedAfterGc();
		for (int i = 0; i < entries; i++) {
			String code = Long.toString(1_000_000_000L + i, 36);
			String url = base.substring(0, base.length() - code.length()) + code;
			cache.put(code, Optional.of(new RedirectTarget(url, 302, (i % 2 == 0) ? Instant.now() : null)));
		}
		cache.cleanUp();
		long after = usedAfterGc();
		if (cache.estimatedSize() != entries) {
			throw new IllegalStateException("the cache evicted entries");
		}
		return (after - before) / (double) entries;
	}

	private static long usedAfterGc() {
		for (int i = 0; i < 5; i++) {
			System.gc();
			try {
				Thread.sleep(100);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		Runtime runtime = Runtime.getRuntime();
		return runtime.totalMemory() - runtime.freeMemory();
	}

}
