package dev.blueprint.shortener.ids;

/**
 * Fixed-width base62 ({@code 0-9A-Za-z}) encoding of numbers in {@code [0, 62^7)}.
 */
public final class Base62 {

	/** Length of every generated code. */
	public static final int CODE_LENGTH = 7;

	/** Number of distinct codes: 62^7 = 3,521,614,606,208. */
	public static final long SPACE = 3_521_614_606_208L;

	private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		.toCharArray();

	private static final int[] VALUES = new int[128];

	static {
		java.util.Arrays.fill(VALUES, -1);
		for (int i = 0; i < ALPHABET.length; i++) {
			VALUES[ALPHABET[i]] = i;
		}
	}

	private Base62() {
	}

	/** Encodes {@code value} as exactly seven characters, left-padded with {@code 0}. */
	public static String encode(long value) {
		if (value < 0 || value >= SPACE) {
			throw new IllegalArgumentException("value must be within [0, 62^7), was " + value);
		}
		char[] out = new char[CODE_LENGTH];
		long rest = value;
		for (int i = CODE_LENGTH - 1; i >= 0; i--) {
			out[i] = ALPHABET[(int) (rest % 62)];
			rest /= 62;
		}
		return new String(out);
	}

	/** Decodes a seven-character code produced by {@link #encode}. */
	public static long decode(String code) {
		if (!isCode(code)) {
			throw new IllegalArgumentException("not a 7-character base62 code: " + code);
		}
		long value = 0;
		for (int i = 0; i < CODE_LENGTH; i++) {
			value = value * 62 + VALUES[code.charAt(i)];
		}
		return value;
	}

	/**
	 * Whether {@code text} has the shape of a generated code: seven base62 characters.
	 */
	public static boolean isCode(String text) {
		if (text == null || text.length() != CODE_LENGTH) {
			return false;
		}
		for (int i = 0; i < CODE_LENGTH; i++) {
			char c = text.charAt(i);
			if (c >= 128 || VALUES[c] < 0) {
				return false;
			}
		}
		return true;
	}

}
