package dev.blueprint.ratelimit.client;

import java.time.Clock;
import java.util.List;

import dev.blueprint.ratelimit.core.InMemoryRateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStoreException;
import dev.blueprint.ratelimit.core.rules.LimitSpec;
import dev.blueprint.ratelimit.core.rules.RuleBook;
import dev.blueprint.ratelimit.core.rules.RuleSpec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The headers of a decision taken while the store fails: a fail-open admission counted
 * nothing, so it carries no rate-limit headers (they said a full quota was left); the
 * other policies' decisions carry theirs.
 */
class EmbeddedDeciderTests {

	private final RuleBook rules = RuleBook.of(List.of(
			new RuleSpec("open", null, "fixed-window", List.of(new LimitSpec(5L, "minute", null, null)), null, null,
					"fail-open"),
			new RuleSpec("local", null, "fixed-window", List.of(new LimitSpec(5L, "minute", null, null)), null, null,
					"local")));

	private final RateLimitStore failing = (bucket, limits, cost) -> {
		throw new RateLimitStoreException("Redis unreachable", null);
	};

	@Test
	void aFailOpenAdmissionWhileTheStoreFailsCarriesNoRateLimitHeaders() {
		EmbeddedDecider down = new EmbeddedDecider(this.rules, this.failing,
				new InMemoryRateLimitStore(Clock.systemUTC()), 1);
		Verdict open = down.decide("open", "ip:1.2.3.4", 1, null);
		assertThat(open.allowed()).isTrue();
		assertThat(open.headers()).isEmpty();
		assertThat(down.decide("local", "ip:1.2.3.4", 1, null).headers()).as("counted in this process")
			.containsEntry("X-RateLimit-Remaining", "4");
	}

	@Test
	void withTheStoreUpTheHeadersSayWhatIsLeft() {
		EmbeddedDecider up = new EmbeddedDecider(this.rules, new InMemoryRateLimitStore(Clock.systemUTC()),
				new InMemoryRateLimitStore(Clock.systemUTC()), 1);
		assertThat(up.decide("open", "ip:1.2.3.4", 1, null).headers()).containsEntry("X-RateLimit-Remaining", "4");
	}

}
