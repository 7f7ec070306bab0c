package dev.blueprint.ratelimit.rules;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import dev.blueprint.platform.web.InvalidFieldException;
import dev.blueprint.platform.web.Problems;
import dev.blueprint.ratelimit.core.rules.InvalidRuleException;
import dev.blueprint.ratelimit.core.rules.RuleBook;
import dev.blueprint.ratelimit.core.rules.RuleSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Runtime rule changes. {@code PUT} replaces every rule at once (validated whole: one bad
 * rule rejects the change and nothing changes), {@code DELETE} returns to the configured
 * rules. Only subjects listed in {@code blueprint.ratelimit.admins} may call it. A
 * {@code PUT} without rules is refused: a body of {@code {}} or with a misspelt
 * {@code rules} would otherwise remove every rule, and every check would then be a 400.
 * <p>
 * Concurrent changes: {@code GET} answers an {@code ETag} naming the version of the last
 * change (stored in Redis), and a {@code PUT} or {@code DELETE} with {@code If-Match}
 * changes the rules only if they are still at that version (else a 412 naming the current
 * one). Without {@code If-Match} the last change wins, as before 2026-12-07.
 */
@RestController
@RequestMapping(path = "/api/v1/ratelimit/rules", produces = MediaType.APPLICATION_JSON_VALUE)
class RuleAdminController {

	private static final String INVALID_RULES = "Invalid rate limit rules";

	/** The {@code Retry-After} of a change refused because Redis is unavailable. */
	static final Duration RETRY_AFTER = Duration.ofSeconds(5);

	private static final Logger logger = LoggerFactory.getLogger(RuleAdminController.class);

	private final Rules rules;

	private final RuleStore store;

	private final RuleSynchronizer synchronizer;

	private final Set<String> admins;

	RuleAdminController(Rules rules, RuleStore store, RuleSynchronizer synchronizer, Set<String> admins) {
		this.rules = rules;
		this.store = store;
		this.synchronizer = synchronizer;
		this.admins = admins;
		if (admins.isEmpty()) {
			logger.info("Runtime rule changes are off: blueprint.ratelimit.admins (BLUEPRINT_RATELIMIT_ADMINS) "
					+ "names no one, so every change is refused with 403");
		}
	}

	/**
	 * The rules in force here, and as {@code ETag} the version of the last change. The
	 * version is read before the rules are reloaded, so the rules shown are at least as
	 * new as it: a change made in between makes a {@code PUT} with that {@code If-Match}
	 * a 412, never a change over rules its caller did not see. While Redis is unreachable
	 * the rules in force are answered without an {@code ETag} (no change can be made then
	 * anyway).
	 */
	@GetMapping
	ResponseEntity<RulesDocument> get(Authentication user) {
		requireAdmin(user);
		ResponseEntity.BodyBuilder answer = ResponseEntity.ok();
		try {
			long version = this.store.version();
			// an ETag only over rules at least that new: a reload that failed left older
			// ones in force, and a change made against them would pass
			if (this.synchronizer.reload()) {
				answer.eTag(etag(version));
			}
		}
		catch (DataAccessException ex) {
			logger.debug("Rules answered without an ETag, Redis unavailable: {}", ex.toString());
		}
		return answer.body(new RulesDocument(this.rules.version(), this.rules.specs()));
	}

	@PutMapping
	ResponseEntity<RulesDocument> replace(@RequestBody RulesChange change,
			@RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch, Authentication user) {
		requireAdmin(user);
		Long expected = expectedVersion(ifMatch);
		List<RuleSpec> specs = change.rules();
		if (specs == null || specs.isEmpty()) {
			throw new InvalidFieldException("rules", "rules must list at least one rule (a PUT replaces every rule; "
					+ "DELETE returns every instance to its configured rules)");
		}
		RuleBook.of(specs);
		long version = this.store.save(specs, expected);
		this.synchronizer.reload();
		return ResponseEntity.ok().eTag(etag(version)).body(new RulesDocument(version, specs));
	}

	@DeleteMapping
	ResponseEntity<Void> delete(@RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch,
			Authentication user) {
		requireAdmin(user);
		long version = this.store.delete(expectedVersion(ifMatch));
		this.synchronizer.reload();
		return ResponseEntity.noContent().eTag(etag(version)).build();
	}

	/**
	 * The version an {@code If-Match} names: {@code null} for none or {@code *} (any
	 * version). A blank one is refused like any other that names no version: a client
	 * whose ETag was lost would otherwise change the rules unconditionally. One strong
	 * entity tag of a version number, as {@code GET} gives it; a list or a weak tag is
	 * refused (400): a change matches one version.
	 */
	static Long expectedVersion(String ifMatch) {
		if (ifMatch == null || ifMatch.strip().equals("*")) {
			return null;
		}
		String tag = ifMatch.strip();
		if (tag.length() > 2 && tag.length() <= 20 && tag.startsWith("\"") && tag.endsWith("\"")
				&& tag.substring(1, tag.length() - 1).chars().allMatch((c) -> c >= '0' && c <= '9')) {
			return Long.parseLong(tag.substring(1, tag.length() - 1));
		}
		throw new InvalidFieldException(HttpHeaders.IF_MATCH,
				"If-Match must be the ETag of a GET (a version in quotes, e.g. \"12\") or *, was " + abbreviated(tag));
	}

	private static String abbreviated(String value) {
		return (value.length() <= 40) ? value : value.substring(0, 40) + "...";
	}

	private static String etag(long version) {
		return "\"" + version + "\"";
	}

	/**
	 * A change against a version that is no longer the last one: 412, nothing changed.
	 */
	@ExceptionHandler(RuleStore.VersionMismatchException.class)
	ResponseEntity<ProblemDetail> versionMismatch(RuleStore.VersionMismatchException ex) {
		ProblemDetail problem = Problems.of(HttpStatus.PRECONDITION_FAILED, "Rules changed", ex.getMessage());
		problem.setProperty("version", ex.current());
		return ResponseEntity.status(HttpStatus.PRECONDITION_FAILED).eTag(etag(ex.current())).body(problem);
	}

	@ExceptionHandler(InvalidRuleException.class)
	ProblemDetail invalid(InvalidRuleException ex) {
		ProblemDetail problem = Problems.invalidField(INVALID_RULES, ex.field(), ex.getMessage());
		problem.setProperty("rule", ex.rule());
		return problem;
	}

	/**
	 * Redis unreachable or slower than {@code spring.data.redis.timeout}: a 503, not a
	 * 500. A change whose script timed out may still have been applied; {@code GET} shows
	 * the rules in force.
	 */
	@ExceptionHandler(DataAccessException.class)
	ResponseEntity<ProblemDetail> storeUnavailable(DataAccessException ex) {
		logger.warn("Rule change failed, Redis unavailable: {}", ex.toString());
		return Problems.unavailable("Rule store unavailable",
				"The rules could not be changed in Redis; retry shortly (GET shows the rules in force: a change "
						+ "that timed out may have been applied)",
				RETRY_AFTER);
	}

	@ExceptionHandler(InvalidFieldException.class)
	ProblemDetail invalidField(InvalidFieldException ex) {
		// a header is no rule: the platform's generic title
		return HttpHeaders.IF_MATCH.equals(ex.field()) ? Problems.invalidField(ex.field(), ex.getMessage())
				: Problems.invalidField(INVALID_RULES, ex.field(), ex.getMessage());
	}

	private void requireAdmin(Authentication user) {
		if (user == null || !this.admins.contains(user.getName())) {
			throw new AccessDeniedException("changing rate-limit rules needs an administrator");
		}
	}

	/**
	 * A change: the complete new set of rules.
	 *
	 * @param rules every rule, at least one (JSON field names as in {@code RuleSpec},
	 * e.g. {@code failurePolicy})
	 */
	record RulesChange(List<RuleSpec> rules) {

	}

	/**
	 * @param version the version in force (0: the configured rules)
	 * @param rules every rule
	 */
	record RulesDocument(long version, List<RuleSpec> rules) {

	}

}
