package dev.blueprint.ratelimit.check;

import java.util.ArrayList;
import java.util.List;

import dev.blueprint.platform.web.Problems;
import dev.blueprint.ratelimit.core.RateLimitHeaders;
import dev.blueprint.ratelimit.limiter.CheckOutcome;
import dev.blueprint.ratelimit.limiter.InvalidCheckException;
import dev.blueprint.ratelimit.limiter.RateLimiter;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/ratelimit/check}: 200 when allowed, 429 with {@code Retry-After}
 * when denied, both with the rate-limit headers;
 * {@code POST /api/v1/ratelimit/check/batch} decides several checks and always answers
 * 200. Bad input is a 400 problem document whose {@code field} property names the field.
 */
@RestController
@RequestMapping(path = "/api/v1/ratelimit", produces = MediaType.APPLICATION_JSON_VALUE)
class CheckController {

	static final int MAX_BATCH = 100;

	private final RateLimiter limiter;

	CheckController(RateLimiter limiter) {
		this.limiter = limiter;
	}

	@PostMapping("/check")
	ResponseEntity<CheckResponse> check(@RequestBody CheckRequest request) {
		CheckOutcome outcome = this.limiter.check(request.rule(), request.api(), request.subject(), request.cost());
		HttpHeaders headers = new HttpHeaders();
		// A fail-open admission counted nothing: its headers would promise a full quota.
		if (CheckResponse.counted(outcome)) {
			RateLimitHeaders.of(outcome.rule().name(), outcome.decision(), outcome.allowed()).forEach(headers::set);
		}
		return ResponseEntity.status(outcome.allowed() ? HttpStatus.OK : HttpStatus.TOO_MANY_REQUESTS)
			.headers(headers)
			.body(CheckResponse.of(outcome));
	}

	@PostMapping("/check/batch")
	BatchCheckResponse batch(@RequestBody BatchCheckRequest request) {
		List<CheckRequest> checks = request.checks();
		if (checks == null || checks.isEmpty() || checks.size() > MAX_BATCH) {
			throw new InvalidCheckException("checks",
					"checks must hold 1 to " + MAX_BATCH + " checks, was " + ((checks != null) ? checks.size() : 0));
		}
		// all are validated before any is decided, so a bad batch charges nothing
		List<RateLimiter.Prepared> prepared = new ArrayList<>(checks.size());
		for (int i = 0; i < checks.size(); i++) {
			CheckRequest check = checks.get(i);
			if (check == null) {
				throw new InvalidCheckException("checks[" + i + "]", "checks[" + i + "] is null");
			}
			try {
				prepared.add(this.limiter.prepare(check.rule(), check.api(), check.subject(), check.cost()));
			}
			catch (InvalidCheckException ex) {
				throw new InvalidCheckException("checks[" + i + "]." + ex.field(),
						"checks[" + i + "]: " + ex.getMessage());
			}
		}
		List<CheckResponse> results = prepared.stream()
			.map((check) -> CheckResponse.of(this.limiter.decide(check)))
			.toList();
		return new BatchCheckResponse(results.stream().allMatch(CheckResponse::allowed), results);
	}

	@ExceptionHandler(InvalidCheckException.class)
	ProblemDetail invalid(InvalidCheckException ex) {
		return Problems.invalidField("Invalid rate-limit check", ex.field(), ex.getMessage());
	}

}
