package dev.blueprint.ratelimit.client;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Finds the subject of a request. The client IP is the peer address, unless the peer is a
 * trusted proxy (an address or a CIDR range of {@code trusted-proxies}): then it is the
 * right-most {@code X-Forwarded-For} address that is not a trusted proxy, so a client
 * cannot pick its own IP by sending the header.
 */
public class SubjectResolver {

	/** The longest subject rate-limiter-service takes (its default). */
	static final int MAX_SUBJECT_LENGTH = 256;

	private final TrustedProxies trustedProxies;

	/**
	 * @param trustedProxies addresses and CIDR ranges ({@link TrustedProxies})
	 */
	public SubjectResolver(Set<String> trustedProxies) {
		this(TrustedProxies.of(List.copyOf(trustedProxies)));
	}

	public SubjectResolver(TrustedProxies trustedProxies) {
		this.trustedProxies = trustedProxies;
	}

	public String resolve(HttpServletRequest request, Subject subject, String header) {
		return switch (subject) {
			case USER_OR_IP -> {
				Principal user = request.getUserPrincipal();
				yield (user != null) ? bounded("user:" + user.getName()) : "ip:" + clientIp(request);
			}
			case USER -> {
				Principal user = request.getUserPrincipal();
				yield bounded("user:" + ((user != null) ? user.getName() : "anonymous"));
			}
			case IP -> "ip:" + clientIp(request);
			case HEADER -> {
				String value = request.getHeader(header);
				// Without the header, the caller's IP: one shared "header:" bucket would
				// let
				// any client that leaves it out drain it for all of them.
				yield (value != null && !value.isBlank()) ? bounded("header:" + value) : "ip:" + clientIp(request);
			}
		};
	}

	/**
	 * {@code subject} itself when at most {@value #MAX_SUBJECT_LENGTH} characters, else
	 * its kind and a SHA-256 of the rest: rate-limiter-service refuses longer subjects
	 * (every request would fail), and in embedded mode each would be a Redis key as long
	 * as the header a client sent.
	 */
	static String bounded(String subject) {
		if (subject.length() <= MAX_SUBJECT_LENGTH) {
			return subject;
		}
		int colon = subject.indexOf(':');
		String kind = subject.substring(0, colon + 1);
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256")
				.digest(subject.substring(colon + 1).getBytes(StandardCharsets.UTF_8));
			return kind + "sha256:" + HexFormat.of().formatHex(digest);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is part of every Java platform", ex);
		}
	}

	public String clientIp(HttpServletRequest request) {
		String peer = request.getRemoteAddr();
		if (!this.trustedProxies.contains(peer)) {
			return peer;
		}
		// Every line of the header, in order: a proxy that adds its own line (HAProxy's
		// option forwardfor) leaves the client's line first, which getHeader returns.
		List<String> lines = Collections.list(request.getHeaders("X-Forwarded-For"));
		if (lines.isEmpty()) {
			return peer;
		}
		String[] hops = String.join(",", lines).split(",");
		String nearest = peer;
		for (int i = hops.length - 1; i >= 0; i--) {
			if (hops[i].isBlank()) {
				continue;
			}
			String hop = TrustedProxies.normalized(hops[i]);
			if (hop == null) {
				// not an address (garbage, a name, "unknown"): no proxy we trust wrote
				// it,
				// so the nearest address one did is the client
				return nearest;
			}
			if (!this.trustedProxies.contains(hop)) {
				return hop;
			}
			nearest = hop;
		}
		return peer;
	}

}
