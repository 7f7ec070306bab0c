package dev.blueprint.ratelimit.client;

import java.time.Clock;
import java.util.List;

import dev.blueprint.ratelimit.core.InMemoryRateLimitStore;
import dev.blueprint.ratelimit.core.rules.LimitSpec;
import dev.blueprint.ratelimit.core.rules.RuleBook;
import dev.blueprint.ratelimit.core.rules.RuleSpec;
import org.junit.jupiter.api.Test;

import org.springframework.web.method.HandlerMethod;

import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * The start-up check of the rules that {@link RateLimited} handlers and filter entries
 * name, in embedded mode.
 */
class RateLimitRuleCheckTests {

	// a token bucket of 5 (refilled at 1 per second) and a window of 3 per minute
	private final RuleBook rules = RuleBook.of(List.of(
			new RuleSpec("upload", null, "token-bucket", List.of(new LimitSpec(1L, "second", 5L, null)), null, null,
					null),
			new RuleSpec("search", null, "sliding-window-log", List.of(new LimitSpec(3L, "minute", null, null)), null,
					null, null),
			new RuleSpec("feed", null, "sliding-window-log", List.of(new LimitSpec(100_000L, "hour", null, null)), null,
					null, null)));

	private final EmbeddedDecider embedded = new EmbeddedDecider(this.rules,
			new InMemoryRateLimitStore(Clock.systemUTC()), new InMemoryRateLimitStore(Clock.systemUTC()), 1);

	@Test
	void acceptsCostsUpToTheCapacity() {
		assertThatNoException().isThrownBy(() -> {
			RateLimitRuleCheck.check(this.rules, "upload", 5, "here");
			RateLimitRuleCheck.check(this.rules, "search", 3, "here");
		});
	}

	@Test
	void rejectsAnUnknownRule() {
		assertThatIllegalStateException().isThrownBy(() -> RateLimitRuleCheck.check(this.rules, "uplaod", 1, "here"))
			.withMessageContaining("here names rate-limit rule 'uplaod'")
			.withMessageContaining("[feed, search, upload]");
	}

	@Test
	void rejectsACostBelowOne() {
		assertThatIllegalStateException().isThrownBy(() -> RateLimitRuleCheck.check(this.rules, "upload", 0, "here"))
			.withMessageContaining("here costs 0 of rate-limit rule 'upload'");
	}

	@Test
	void rejectsACostAboveTheCapacity() {
		assertThatIllegalStateException().isThrownBy(() -> RateLimitRuleCheck.check(this.rules, "upload", 6, "here"))
			.withMessageContaining("costs 6 of rate-limit rule 'upload', more than its capacity (5)");
		assertThatIllegalStateException().isThrownBy(() -> RateLimitRuleCheck.check(this.rules, "search", 4, "here"))
			.withMessageContaining("more than its capacity (3)");
	}

	@Test
	void aSlidingWindowLogsCostIsBoundedBelowItsLimit() {
		// one request writes one entry per permit: Limit.MAX_LOG_COST, whatever the limit
		assertThatNoException().isThrownBy(() -> RateLimitRuleCheck.check(this.rules, "feed", 10_000, "here"));
		assertThatIllegalStateException().isThrownBy(() -> RateLimitRuleCheck.check(this.rules, "feed", 10_001, "here"))
			.withMessageContaining("more than its capacity (10000)");
	}

	@Test
	void namesTheHandlerMethod() throws Exception {
		List<HandlerMethod> handlers = List.of(handler(new Uploads(), "small"), handler(new Uploads(), "huge"));
		RateLimitRuleCheck check = new RateLimitRuleCheck(this.embedded, List.of(), () -> handlers);

		assertThatIllegalStateException().isThrownBy(check::afterSingletonsInstantiated)
			.withMessageContaining("@RateLimited on ")
			.withMessageContaining("Uploads#huge()")
			.withMessageContaining("costs 50 of rate-limit rule 'upload'");
	}

	@Test
	void checksAControllersAnnotationOnItsMethods() throws Exception {
		List<HandlerMethod> handlers = List.of(handler(new Misspelt(), "list"));
		RateLimitRuleCheck check = new RateLimitRuleCheck(this.embedded, List.of(), () -> handlers);

		assertThatIllegalStateException().isThrownBy(check::afterSingletonsInstantiated)
			.withMessageContaining("Misspelt#list()")
			.withMessageContaining("names rate-limit rule 'serach'");
	}

	@Test
	void namesTheFilterEntry() {
		RateLimitClientProperties.FilterRule entry = new RateLimitClientProperties.FilterRule("/api/v1/search/**",
				"GET", "serach", Subject.IP, null);
		RateLimitRuleCheck check = new RateLimitRuleCheck(this.embedded, List.of(entry), List::of);

		assertThatIllegalStateException().isThrownBy(check::afterSingletonsInstantiated)
			.withMessageContaining("blueprint.ratelimit.client.filter entry GET /api/v1/search/**")
			.withMessageContaining("'serach'");
	}

	@Test
	void rejectsAFilterEntryWithoutARule() {
		RateLimitRuleCheck check = new RateLimitRuleCheck(this.embedded,
				List.of(new RateLimitClientProperties.FilterRule("/api/**", null, null, Subject.IP, null)), List::of);

		assertThatIllegalStateException().isThrownBy(check::afterSingletonsInstantiated)
			.withMessageContaining("entry /api/** names no rate-limit rule");
	}

	@Test
	void rejectsInBothModesAFilterEntryWithoutAPathAndAHeaderSubjectWithoutAHeader() throws Exception {
		RateLimitDecider remote = (rule, subject, cost, authorization) -> null;
		for (RateLimitDecider decider : new RateLimitDecider[] { this.embedded, remote }) {
			assertThatIllegalStateException()
				.isThrownBy(() -> new RateLimitRuleCheck(decider,
						List.of(new RateLimitClientProperties.FilterRule(null, "POST", "upload", Subject.IP, null)),
						List::of)
					.afterSingletonsInstantiated())
				.withMessage("blueprint.ratelimit.client.filter entry POST null has no path");
			assertThatIllegalStateException()
				.isThrownBy(() -> new RateLimitRuleCheck(decider,
						List.of(new RateLimitClientProperties.FilterRule("/api/**", null, "upload", Subject.HEADER,
								" ")),
						List::of)
					.afterSingletonsInstantiated())
				.withMessageContaining("filter entry /api/** limits by header but names none");
			List<HandlerMethod> handlers = List.of(handler(new Keyed(), "list"));
			assertThatIllegalStateException()
				.isThrownBy(
						() -> new RateLimitRuleCheck(decider, List.of(), () -> handlers).afterSingletonsInstantiated())
				.withMessageContaining("Keyed#list()")
				.withMessageContaining("limits by header but names none");
		}
	}

	static class Keyed {

		@RateLimited(value = "upload", subject = Subject.HEADER)
		void list() {
		}

	}

	@Test
	void leavesRemoteModeAlone() throws Exception {
		RateLimitDecider remote = (rule, subject, cost, authorization) -> null;
		List<HandlerMethod> handlers = List.of(handler(new Uploads(), "huge"));
		RateLimitRuleCheck check = new RateLimitRuleCheck(remote,
				List.of(new RateLimitClientProperties.FilterRule("/api/**", null, "anything", Subject.IP, null)),
				() -> handlers);

		assertThatNoException().isThrownBy(check::afterSingletonsInstantiated);
	}

	private static HandlerMethod handler(Object controller, String method) throws NoSuchMethodException {
		return new HandlerMethod(controller, controller.getClass().getDeclaredMethod(method));
	}

	static class Uploads {

		@RateLimited(value = "upload", cost = 5)
		void small() {
		}

		@RateLimited(value = "upload", cost = 50)
		void huge() {
		}

	}

	@RateLimited("serach")
	static class Misspelt {

		void list() {
		}

	}

}
