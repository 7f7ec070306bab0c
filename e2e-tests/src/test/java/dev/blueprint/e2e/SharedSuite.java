package dev.blueprint.e2e;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.blueprint.local.Reaper;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One running suite ({@code ./suite up -d}) for every scenario class of the test run,
 * stopped ({@code ./suite down}) when the run ends. Starting the nine processes takes a
 * minute or more on two cores; once is enough.
 */
final class SharedSuite implements BeforeAllCallback {

	private static final Map<String, String> tokens = new ConcurrentHashMap<>();

	@Override
	public void beforeAll(ExtensionContext context) {
		context.getRoot()
			.getStore(ExtensionContext.Namespace.create(SharedSuite.class))
			.computeIfAbsent("suite", (key) -> up(), AutoCloseable.class);
	}

	private static AutoCloseable up() {
		Suite.Result up = Suite.run(Duration.ofMinutes(8), "up", "-d", "--watch-pid",
				Long.toString(Reaper.buildOwnerPid()));
		assertThat(up.exitCode()).as(up.output()).isZero();
		return () -> Suite.run(Duration.ofMinutes(2), "down");
	}

	/** A token for {@code user}, minted by {@code ./suite token} as a user would. */
	static String token(String user) {
		return tokens.computeIfAbsent(user, (name) -> {
			Suite.Result result = Suite.run(Duration.ofMinutes(1), "token", name);
			assertThat(result.exitCode()).as(result.output()).isZero();
			return result.output().trim();
		});
	}

}
