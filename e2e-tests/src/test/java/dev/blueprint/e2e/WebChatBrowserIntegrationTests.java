package dev.blueprint.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import dev.blueprint.testsupport.chat.StompTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web chat page chat-gateway serves, used by two people in real headless Chromium
 * (Debian's {@code /usr/bin/chromium} driven by playwright-core from
 * src/test/browser/package.json; nothing downloads a browser): Alice over WebSocket, Bob
 * with no WebSocket in his page, over SockJS long polling. They sign in by name, start a
 * conversation, see unread counts, presence, typing and read ticks, exchange messages
 * both ways, page back through history, Bob loses the network and catches up, and Bob's
 * backlog of long messages written offline, past the gateway's body limit as one POST, is
 * stored in order once he is back, also over a slow uplink with no POST carrying more
 * than the page's send window (the scenario is src/test/browser/web-chat.mjs).
 * Screenshots go to target/screenshots. Missing Chromium or Node.js fails the test; it
 * never skips.
 */
@ExtendWith(SharedSuite.class)
class WebChatBrowserIntegrationTests {

	static final Path BROWSER = Suite.REPO.resolve("e2e-tests/src/test/browser");

	static final Path CHROMIUM = Path.of("/usr/bin/chromium");

	static final Path SCREENSHOTS = Suite.REPO.resolve("e2e-tests/target/screenshots");

	private static final int HISTORY = 65;

	private static String user(String name) {
		return name + "-" + UUID.randomUUID().toString().substring(0, 6);
	}

	@Test
	void twoPeopleChatInTheBrowserOneOverWebSocketOneOverLongPolling() throws Exception {
		assertThat(CHROMIUM).as("Debian's chromium: apt-get install chromium (.ci/run does this)").isExecutable();
		Commands.requireOnPath("node");
		installPlaywright();
		String alice = user("alice");
		String bob = user("bob");
		String carol = user("carol");
		String history = seedHistory(carol, alice, bob);
		deleteScreenshots();

		Commands.Result run = Commands.run(Duration.ofMinutes(6), BROWSER, "env",
				"BASE_URL=http://localhost:" + Suite.port("chat-gateway"), "ALICE=" + alice, "BOB=" + bob,
				"HISTORY_CONVERSATION=" + history, "HISTORY_COUNT=" + HISTORY, "SCREENSHOTS=" + SCREENSHOTS,
				"CHROMIUM=" + CHROMIUM, "EXPECT_RECEIPTS=1", "node", "web-chat.mjs");
		System.out.println(run.output());
		assertThat(run.exitCode()).as(run.output()).isZero();
		assertThat(run.output()).contains("alice connected over websocket, bob over xhr-polling")
			.contains("web chat scenario passed");
		try (Stream<Path> shots = Files.list(SCREENSHOTS)) {
			assertThat(shots.map((file) -> file.getFileName().toString())).contains("01-signed-in-alice.png",
					"01-signed-in-bob.png", "03-conversation-alice.png", "04-history-bob.png", "05-offline-bob.png",
					"06-reconnected-bob.png", "08-backlog-bob.png", "09-slow-uplink-bob.png");
		}
	}

	/** A group of Carol, Alice and Bob holding {@link #HISTORY} messages from Carol. */
	private static String seedHistory(String carol, String alice, String bob) throws Exception {
		String conversation = ChatApi.conversation(carol, "group", alice, bob);
		try (StompTestClient client = ChatApi.connect(carol)) {
			for (int i = 1; i <= HISTORY; i++) {
				client.send(conversation, "seed-" + i, "message " + i + " of " + HISTORY);
			}
			for (int i = 1; i <= HISTORY; i++) {
				client.expect("acks", ChatApi.WAIT);
			}
		}
		List<?> stored = ChatApi.history(carol, conversation, 0);
		assertThat(stored).hasSize(HISTORY);
		return conversation;
	}

	/** npm ci once into src/test/browser/node_modules (ignored by git). */
	private static void installPlaywright() throws IOException {
		Path installed = BROWSER.resolve("node_modules/.package-lock.json");
		if (Files.exists(installed) && Files.getLastModifiedTime(installed)
			.compareTo(Files.getLastModifiedTime(BROWSER.resolve("package-lock.json"))) >= 0) {
			return;
		}
		Commands.Result install = Commands.run(Duration.ofMinutes(5), BROWSER, "npm", "ci", "--no-audit", "--no-fund",
				"--prefer-offline");
		assertThat(install.exitCode()).as(install.output()).isZero();
	}

	private static void deleteScreenshots() throws IOException {
		if (Files.isDirectory(SCREENSHOTS)) {
			try (Stream<Path> old = Files.list(SCREENSHOTS)) {
				for (Path file : old.toList()) {
					Files.delete(file);
				}
			}
		}
	}

}
