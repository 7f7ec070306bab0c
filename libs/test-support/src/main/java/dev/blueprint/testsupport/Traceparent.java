package dev.blueprint.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A W3C trace context {@code traceparent} header value
 * ({@code 00-<trace id>-<parent span id>-<flags>}), for tests that send a message in a
 * known trace and look for that trace id downstream.
 *
 * @param traceId 32 lowercase hex digits
 * @param spanId 16 lowercase hex digits
 * @param sampled whether the sampled flag is set
 */
public record Traceparent(String traceId, String spanId, boolean sampled) {

	/** The header's name, on HTTP requests, STOMP frames and Kafka records alike. */
	public static final String HEADER = "traceparent";

	private static final Pattern FORMAT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");

	/** A new sampled trace, as a client starting one would send it. */
	public static Traceparent newSampled() {
		HexFormat hex = HexFormat.of();
		return new Traceparent(hex.formatHex(randomBytes(16)), hex.formatHex(randomBytes(8)), true);
	}

	/**
	 * Parses a header value.
	 * @param value the value, such as a Kafka record header's bytes as UTF-8
	 * @return the trace context
	 * @throws IllegalArgumentException if it is not a version 00 traceparent
	 */
	public static Traceparent parse(String value) {
		Matcher matcher = FORMAT.matcher(String.valueOf(value));
		if (!matcher.matches()) {
			throw new IllegalArgumentException("Not a traceparent: " + value);
		}
		// Bit 0 is "sampled"; others (such as W3C level 2's "random", 0x02) may be set.
		return new Traceparent(matcher.group(1), matcher.group(2), (Integer.parseInt(matcher.group(3), 16) & 1) == 1);
	}

	/** Parses a header value's UTF-8 bytes. */
	public static Traceparent parse(byte[] value) {
		return parse(new String(value, StandardCharsets.UTF_8));
	}

	private static byte[] randomBytes(int count) {
		byte[] bytes = new byte[count];
		ThreadLocalRandom.current().nextBytes(bytes);
		return bytes;
	}

	@Override
	public String toString() {
		return "00-" + this.traceId + "-" + this.spanId + (this.sampled ? "-01" : "-00");
	}

}
