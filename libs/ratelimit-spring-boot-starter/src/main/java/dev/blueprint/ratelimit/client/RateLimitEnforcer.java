package dev.blueprint.ratelimit.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Applies a verdict to a response: the rate-limit headers always, and for a denial a 429
 * with {@code Retry-After} and an RFC 9457 problem document.
 */
public class RateLimitEnforcer {

	private final RateLimitDecider decider;

	private final SubjectResolver subjects;

	public RateLimitEnforcer(RateLimitDecider decider, SubjectResolver subjects) {
		this.decider = decider;
		this.subjects = subjects;
	}

	/**
	 * @return whether the request may proceed; if not, the response is complete
	 */
	public boolean enforce(HttpServletRequest request, HttpServletResponse response, String rule, Subject subject,
			String header, long cost) throws IOException {
		String who = this.subjects.resolve(request, subject, header);
		Verdict verdict = this.decider.decide(rule, who, cost, request.getHeader("Authorization"));
		verdict.headers().forEach(response::setHeader);
		if (verdict.allowed()) {
			return true;
		}
		response.setStatus(429);
		response.setHeader("Retry-After", Long.toString(verdict.retryAfterSeconds()));
		response.setContentType("application/problem+json");
		// bytes, not a Writer: a Writer makes the container append a charset to the media
		// type
		response.getOutputStream()
			.write(("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,\"detail\":\"Rate limit '"
					+ verdict.rule() + "' exceeded; retry after " + verdict.retryAfterSeconds()
					+ " seconds\",\"instance\":\"" + request.getRequestURI().replace("\"", "%22") + "\",\"rule\":\""
					+ verdict.rule() + "\",\"retryAfterSeconds\":" + verdict.retryAfterSeconds() + "}")
				.getBytes(StandardCharsets.UTF_8));
		return false;
	}

}
