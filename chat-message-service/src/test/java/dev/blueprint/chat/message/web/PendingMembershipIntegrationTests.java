package dev.blueprint.chat.message.web;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.blueprint.chat.message.ChatMessageProperties;
import dev.blueprint.chat.message.storage.ChatStore;
import dev.blueprint.chat.message.storage.ChatStore.Announcement;
import dev.blueprint.chat.message.support.ChatIntegrationTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Membership calls made while an earlier change of the same member is in the log but not
 * yet applied (the sequencer is stopped): the later call decides, as it would once the
 * first had applied.
 */
class PendingMembershipIntegrationTests extends ChatIntegrationTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@Autowired
	private KafkaListenerEndpointRegistry listeners;

	@Autowired
	private ChatStore store;

	@Autowired
	private CqlSession session;

	@Autowired
	private ChatMessageProperties properties;

	/** Each call waits for the sequencer on a thread of its own. */
	private final ExecutorService calls = Executors.newCachedThreadPool();

	@AfterEach
	void restart() {
		startTheSequencer();
		this.calls.shutdownNow();
	}

	@Test
	void removingAMemberWhoseAdditionIsPendingLeavesThemOut() throws Exception {
		String alice = unique("alice");
		String carol = unique("carol");
		UUID group = conversation(alice, "group", unique("bob"));
		stopTheSequencer();
		CompletableFuture<HttpResponse<String>> added = inBackground(
				() -> post(alice, "/api/v1/conversations/" + group + "/members/" + carol, ""));
		awaitAnnounced(group, carol, true);
		CompletableFuture<HttpResponse<String>> removed = inBackground(
				() -> delete(alice, "/api/v1/conversations/" + group + "/members/" + carol));
		Announcement removal = awaitAnnounced(group, carol, false);
		startTheSequencer();

		assertThat(added.get(30, TimeUnit.SECONDS).statusCode()).isIn(200, 202);
		assertThat(removed.get(30, TimeUnit.SECONDS).statusCode()).isIn(204, 202);
		awaitApplied(group, removal);
		assertThat(this.store.findConversation(group).orElseThrow().members()).doesNotContain(carol);
		assertThat(this.store.sequenceState(group).members()).doesNotContain(carol);
	}

	@Test
	void addingAMemberWhoseRemovalIsPendingKeepsThemInAndTheyCannotUndoItThemselves() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String carol = unique("carol");
		UUID group = conversation(alice, "group", bob, carol);
		stopTheSequencer();
		CompletableFuture<HttpResponse<String>> bobRemoved = inBackground(
				() -> delete(alice, "/api/v1/conversations/" + group + "/members/" + bob));
		awaitAnnounced(group, bob, false);
		CompletableFuture<HttpResponse<String>> carolLeft = inBackground(
				() -> delete(carol, "/api/v1/conversations/" + group + "/members/" + carol));
		awaitAnnounced(group, carol, false);
		// Still in the table, but on the way out: neither may change the group.
		HttpResponse<String> undone = post(carol, "/api/v1/conversations/" + group + "/members/" + carol, "");
		assertThat(undone.statusCode()).as(undone.body()).isEqualTo(403);
		assertThat(post(carol, "/api/v1/conversations/" + group + "/members/" + unique("dave"), "").statusCode())
			.isEqualTo(403);
		CompletableFuture<HttpResponse<String>> bobBack = inBackground(
				() -> post(alice, "/api/v1/conversations/" + group + "/members/" + bob, ""));
		Announcement addition = awaitAnnounced(group, bob, true);
		// Leaving again while the leave is pending waits for it (the membership apply
		// timeout, the sequencer being stopped): pending, not refused.
		HttpResponse<String> leftAgain = delete(carol, "/api/v1/conversations/" + group + "/members/" + carol);
		assertThat(leftAgain.statusCode()).as(leftAgain.body()).isEqualTo(202);
		startTheSequencer();

		assertThat(bobRemoved.get(30, TimeUnit.SECONDS).statusCode()).isIn(204, 202);
		assertThat(carolLeft.get(30, TimeUnit.SECONDS).statusCode()).isIn(204, 202);
		assertThat(bobBack.get(30, TimeUnit.SECONDS).statusCode()).isIn(200, 202);
		awaitApplied(group, addition);
		assertThat(this.store.findConversation(group).orElseThrow().members()).containsExactlyInAnyOrder(alice, bob);
		assertThat(this.store.sequenceState(group).members()).containsExactlyInAnyOrder(alice, bob);
		assertThat(delete(carol, "/api/v1/conversations/" + group + "/members/" + carol).statusCode()).isEqualTo(403);
		assertThat(delete(alice, "/api/v1/conversations/" + group + "/members/" + carol).statusCode()).isEqualTo(404);
	}

	/**
	 * A call reads the group (the members table) before the sequencer's progress, and a
	 * change can apply in between: the table copy then shows a removed member as still
	 * in. Here the table is made to lag so (the removed member's row written back), as a
	 * read taken just before the removal applied would show it. Adding the member again
	 * must still put the addition in the log; before, the call took the table's word,
	 * answered 200 and added no one.
	 */
	@Test
	void aMembershipCallGoesByTheSequencersMembersOnceTheLastChangeApplied() throws Exception {
		String alice = unique("alice");
		String carol = unique("carol");
		UUID group = conversation(alice, "group", unique("bob"), carol);
		HttpResponse<String> removed = delete(alice, "/api/v1/conversations/" + group + "/members/" + carol);
		assertThat(removed.statusCode()).as(removed.body()).isEqualTo(204);
		Announcement removal = awaitAnnounced(group, carol, false);
		awaitApplied(group, removal);
		this.session.execute("INSERT INTO conversation_members (conversation_id, user_id, joined_at) "
				+ "VALUES (?, ?, toTimestamp(now()))", group, carol);

		HttpResponse<String> added = post(alice, "/api/v1/conversations/" + group + "/members/" + carol, "");

		assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
		Announcement addition = awaitAnnounced(group, carol, true);
		assertThat(addition.offset()).isGreaterThan(removal.offset());
		assertThat(this.store.sequenceState(group).members()).contains(carol);
	}

	@Test
	void additionsPendingAtOnceFillAGroupUpToItsMaximumAndNoFurther() throws Exception {
		String alice = unique("alice");
		String prefix = unique("m");
		int max = this.properties.limits().maxGroupMembers();
		String[] others = new String[max - 2];
		for (int i = 0; i < others.length; i++) {
			others[i] = prefix + i;
		}
		UUID group = conversation(alice, "group", others);
		assertThat(this.store.findConversation(group).orElseThrow().members()).hasSize(max - 1);
		String carol = unique("carol");
		String dave = unique("dave");
		stopTheSequencer();
		// Each passes REST's check: the other is not a member yet.
		CompletableFuture<HttpResponse<String>> carolAdded = inBackground(
				() -> post(alice, "/api/v1/conversations/" + group + "/members/" + carol, ""));
		CompletableFuture<HttpResponse<String>> daveAdded = inBackground(
				() -> post(alice, "/api/v1/conversations/" + group + "/members/" + dave, ""));
		Announcement first = awaitAnnounced(group, carol, true);
		Announcement second = awaitAnnounced(group, dave, true);
		startTheSequencer();

		awaitApplied(group, (first.offset() > second.offset()) ? first : second);
		// 200 and 409 once both apply within the apply timeout (202 if the restarted
		// sequencer took longer): never both in.
		java.util.List<Integer> statuses = java.util.List.of(carolAdded.get(30, TimeUnit.SECONDS).statusCode(),
				daveAdded.get(30, TimeUnit.SECONDS).statusCode());
		assertThat(statuses).as("carol, dave").isSubsetOf(200, 202, 409);
		assertThat(java.util.Collections.frequency(statuses, 200)).as("carol, dave: " + statuses).isLessThan(2);
		assertThat(java.util.Collections.frequency(statuses, 409)).as("carol, dave: " + statuses).isLessThan(2);
		String in = (first.offset() < second.offset()) ? carol : dave;
		String out = in.equals(carol) ? dave : carol;
		assertThat(this.store.findConversation(group).orElseThrow().members()).hasSize(max).contains(in);
		assertThat(this.store.sequenceState(group).members()).hasSize(max);
		assertThat(this.store.conversationIdsOf(out)).isEmpty();
		assertThat(post(alice, "/api/v1/conversations/" + group + "/members/" + out, "").statusCode()).isEqualTo(409);
	}

	private void stopTheSequencer() {
		this.listeners.getListenerContainer("sequencer").stop();
	}

	private void startTheSequencer() {
		this.listeners.getListenerContainer("sequencer").start();
	}

	private Announcement awaitAnnounced(UUID group, String user, boolean added) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (true) {
			var last = this.store.announcement(group, user);
			if (last.isPresent() && last.get().added() == added) {
				return last.get();
			}
			assertThat(System.nanoTime() - deadline).as("announced within " + WAIT).isNegative();
			Thread.sleep(20);
		}
	}

	private void awaitApplied(UUID group, Announcement change) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (!this.store.sequenceState(group).applied(change.partition(), change.offset())) {
			assertThat(System.nanoTime() - deadline).as("applied within " + WAIT).isNegative();
			Thread.sleep(20);
		}
	}

	private CompletableFuture<HttpResponse<String>> inBackground(Call call) {
		return CompletableFuture.supplyAsync(() -> {
			try {
				return call.send();
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}, this.calls);
	}

	private interface Call {

		HttpResponse<String> send() throws Exception;

	}

}
