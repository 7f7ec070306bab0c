package dev.blueprint.shortener.ids;

/**
 * A keyed bijection of {@code [0, 62^7)} onto itself, so consecutive IDs give codes that
 * look random to an observer.
 * <p>
 * A balanced Feistel network over 42 bits (two 21-bit halves, {@value #ROUNDS} rounds, a
 * SplitMix64-style round function keyed per round) is a permutation of {@code [0, 2^42)}.
 * Since {@code 62^7 < 2^42} (ratio 0.80), cycle-walking (re-applying the network until
 * the value falls inside {@code [0, 62^7)}) restricts it to a permutation of the code
 * space; on average 1.25 applications are needed. This is format preserving obfuscation,
 * not encryption: it hides the sequence from casual observers and scrapers, while
 * uniqueness comes from the ID counter, not from the key.
 * <p>
 * The key must never change once codes have been issued: a different key maps the
 * remaining IDs to codes that may already be taken.
 */
public final class CodePermutation {

	static final int ROUNDS = 6;

	private static final int HALF_BITS = 21;

	private static final long HALF_MASK = (1L << HALF_BITS) - 1;

	private final long[] roundKeys = new long[ROUNDS];

	public CodePermutation(long key) {
		long state = key;
		for (int i = 0; i < ROUNDS; i++) {
			state += 0x9E3779B97F4A7C15L;
			this.roundKeys[i] = mix(state);
		}
	}

	/** Maps an ID to its position in the permuted space. */
	public long permute(long id) {
		check(id);
		long value = id;
		do {
			value = encrypt(value);
		}
		while (value >= Base62.SPACE);
		return value;
	}

	/** Inverse of {@link #permute}. */
	public long unpermute(long permuted) {
		check(permuted);
		long value = permuted;
		do {
			value = decrypt(value);
		}
		while (value >= Base62.SPACE);
		return value;
	}

	/** The code of an ID: {@code base62(permute(id))}. */
	public String code(long id) {
		return Base62.encode(permute(id));
	}

	private long encrypt(long value) {
		long left = value >>> HALF_BITS;
		long right = value & HALF_MASK;
		for (int i = 0; i < ROUNDS; i++) {
			long next = left ^ round(right, i);
			left = right;
			right = next;
		}
		return (left << HALF_BITS) | right;
	}

	private long decrypt(long value) {
		long left = value >>> HALF_BITS;
		long right = value & HALF_MASK;
		for (int i = ROUNDS - 1; i >= 0; i--) {
			long previous = right ^ round(left, i);
			right = left;
			left = previous;
		}
		return (left << HALF_BITS) | right;
	}

	private long round(long half, int round) {
		return mix(half ^ this.roundKeys[round]) & HALF_MASK;
	}

	private static long mix(long z) {
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return z ^ (z >>> 31);
	}

	private static void check(long value) {
		if (value < 0 || value >= Base62.SPACE) {
			throw new IllegalArgumentException("value must be within [0, 62^7), was " + value);
		}
	}

}
