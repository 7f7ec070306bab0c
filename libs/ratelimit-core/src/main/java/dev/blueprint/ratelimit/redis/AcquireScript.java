package dev.blueprint.ratelimit.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import dev.blueprint.ratelimit.core.Decision;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.LimitOutcome;
import dev.blueprint.ratelimit.core.RateLimitKeys;
import dev.blueprint.ratelimit.core.RateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStoreException;

/**
 * {@code acquire.lua}: its source and SHA, the keys and arguments of a call deciding one
 * or several requests on one bucket, and the decisions read from its reply.
 */
final class AcquireScript {

	static final String SOURCE = load();

	static final String SHA = sha1(SOURCE);

	private AcquireScript() {
	}

	static String[] keys(String bucket, List<Limit> limits) {
		String[] keys = new String[limits.size()];
		for (int i = 0; i < limits.size(); i++) {
			keys[i] = RateLimitKeys.stateKey(bucket, limits.get(i));
		}
		return keys;
	}

	/** The requests' costs in arrival order, then each limit's parameters. */
	static String[] args(List<Limit> limits, List<Long> costs) {
		int n = costs.size();
		String[] args = new String[1 + n + 4 * limits.size()];
		args[0] = Integer.toString(n);
		for (int r = 0; r < n; r++) {
			long cost = costs.get(r);
			RateLimitStore.requireValid(limits, cost);
			args[1 + r] = Long.toString(cost);
		}
		for (int i = 0; i < limits.size(); i++) {
			Limit limit = limits.get(i);
			int base = 1 + n + 4 * i;
			args[base] = Integer.toString(limit.algorithm().scriptCode());
			args[base + 1] = Long.toString(limit.permits());
			args[base + 2] = Long.toString(limit.window().toNanos() / 1_000);
			args[base + 3] = Long.toString(limit.burst());
		}
		return args;
	}

	/** One decision per request, in the order the costs were given. */
	static List<Decision> decisions(List<Limit> limits, int requests, List<Object> reply) {
		int width = 1 + 4 * limits.size();
		if (reply == null || reply.size() != requests * width) {
			throw new RateLimitStoreException("Unexpected reply from the rate-limit script: " + reply, null);
		}
		List<Decision> decisions = new ArrayList<>(requests);
		for (int r = 0; r < requests; r++) {
			int start = r * width;
			List<LimitOutcome> outcomes = new ArrayList<>(limits.size());
			for (int i = 0; i < limits.size(); i++) {
				int base = start + 1 + 4 * i;
				outcomes.add(new LimitOutcome(limits.get(i), number(reply.get(base)) == 1, number(reply.get(base + 1)),
						number(reply.get(base + 2)), number(reply.get(base + 3))));
			}
			decisions.add(new Decision(number(reply.get(start)) == 1, outcomes));
		}
		return decisions;
	}

	private static long number(Object value) {
		return ((Number) value).longValue();
	}

	private static String load() {
		try (InputStream in = AcquireScript.class.getResourceAsStream("acquire.lua")) {
			if (in == null) {
				throw new IllegalStateException("acquire.lua is missing from the classpath");
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String sha1(String script) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
