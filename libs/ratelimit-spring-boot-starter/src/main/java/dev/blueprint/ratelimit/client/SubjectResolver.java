package dev.blueprint.ratelimit.client;

import java.security.Principal;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Finds the subject of a request. The client IP is the peer address, unless the peer is a
 * trusted proxy: then it is the right-most {@code X-Forwarded-For} address that is not a
 * trusted proxy, so a client cannot pick its own IP by sending the header.
 */
public class SubjectResolver {

	private final Set<String> trustedProxies;

	public SubjectResolver(Set<String> trustedProxies) {
		this.trustedProxies = Set.copyOf(trustedProxies);
	}

	public String resolve(HttpServletRequest request, Subject subject, String header) {
		return switch (subject) {
			case USER_OR_IP -> {
				Principal user = request.getUserPrincipal();
				yield (user != null) ? "user:" + user.getName() : "ip:" + clientIp(request);
			}
			case USER -> {
				Principal user = request.getUserPrincipal();
				yield "user:" + ((user != null) ? user.getName() : "anonymous");
			}
			case IP -> "ip:" + clientIp(request);
			case HEADER -> {
				String value = request.getHeader(header);
				yield "header:" + ((value != null) ? value : "");
			}
		};
	}

	public String clientIp(HttpServletRequest request) {
		String peer = request.getRemoteAddr();
		String forwarded = request.getHeader("X-Forwarded-For");
		if (forwarded == null || !this.trustedProxies.contains(peer)) {
			return peer;
		}
		String[] hops = forwarded.split(",");
		for (int i = hops.length - 1; i >= 0; i--) {
			String hop = hops[i].trim();
			if (!hop.isEmpty() && !this.trustedProxies.contains(hop)) {
				return hop;
			}
		}
		return peer;
	}

}
