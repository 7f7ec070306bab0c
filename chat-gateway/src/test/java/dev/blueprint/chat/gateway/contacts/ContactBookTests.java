package dev.blueprint.chat.gateway.contacts;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;

import dev.blueprint.chat.gateway.session.ClosedSessions;
import dev.blueprint.chat.gateway.stomp.ChatUser;
import dev.blueprint.testsupport.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.core.task.TaskExecutor;
import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.messaging.SessionConnectedEvent;
import org.springframework.web.socket.messaging.SessionDisconnectEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * How often the contact book queues reads of a user's conversations. The reads themselves
 * (HTTP to chat-message-service) are covered by the presence and typing integration
 * tests; here the fetch queue is a fake that only collects the tasks.
 */
class ContactBookTests {

	private static final Duration REFRESH = Duration.ofSeconds(60);

	private static final Duration MIN_REFRESH = Duration.ofSeconds(5);

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final ClosedSessions closedSessions = new ClosedSessions();

	private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T12:00:00Z"));

	@Test
	void deliveriesForAUserWhoseReadIsQueuedDoNotQueueMore() {
		CollectingExecutor fetches = new CollectingExecutor(10_000);
		ContactBook contacts = contactBook(fetches);
		contacts.connected(connected("alice", "s1"));

		for (int i = 0; i < 1_000; i++) {
			contacts.seen("alice", UUID.randomUUID());
			this.clock.advance(MIN_REFRESH);
		}

		assertThat(fetches.tasks).hasSize(1);
	}

	@Test
	void aUserCanBeQueuedAgainOnceItsReadHasStarted() {
		CollectingExecutor fetches = new CollectingExecutor(10_000);
		ContactBook contacts = contactBook(fetches);
		contacts.connected(connected("alice", "s1"));
		contacts.connected(connected("bob", "s2"));
		assertThat(fetches.tasks).hasSize(2);

		// The read starts (and fails: nothing listens on the URL), then a delivery names
		// an unknown conversation after the minimum interval.
		fetches.tasks.get(0).run();
		this.clock.advance(MIN_REFRESH);
		contacts.seen("alice", UUID.randomUUID());
		contacts.seen("alice", UUID.randomUUID());

		assertThat(fetches.tasks).hasSize(3);
	}

	/**
	 * A delivery naming a conversation the gateway does not know, too soon after the
	 * user's last read, is read once the minimum interval has passed, not at the next
	 * periodic read (5 min later, all that time without the members' presence pushes).
	 */
	@Test
	void aConversationSeenTooSoonAfterAReadIsReadOnceTheMinimumIntervalHasPassed() {
		CollectingExecutor fetches = new CollectingExecutor(10_000);
		ContactBook contacts = contactBook(fetches);
		contacts.connected(connected("alice", "s1"));
		fetches.tasks.get(0).run();
		contacts.seen("alice", UUID.randomUUID());
		contacts.refreshDue();
		assertThat(fetches.tasks).as("not before the minimum interval").hasSize(1);

		this.clock.advance(MIN_REFRESH);
		contacts.refreshDue();
		assertThat(fetches.tasks).as("read once it has passed").hasSize(2);
		fetches.tasks.get(1).run();
		this.clock.advance(MIN_REFRESH);
		contacts.refreshDue();
		assertThat(fetches.tasks).as("once").hasSize(2);
	}

	@Test
	void aReadTheFullQueueRefusesIsRetriedOnlyAfterTheMinimumInterval() {
		CollectingExecutor fetches = new CollectingExecutor(0);
		ContactBook contacts = contactBook(fetches);
		contacts.connected(connected("alice", "s1"));
		assertThat(rejected()).isEqualTo(1);

		for (int i = 0; i < 100; i++) {
			contacts.seen("alice", UUID.randomUUID());
		}
		assertThat(rejected()).isEqualTo(1);

		this.clock.advance(MIN_REFRESH);
		contacts.seen("alice", UUID.randomUUID());
		assertThat(rejected()).isEqualTo(2);
	}

	@Test
	void usersDueTogetherAreReadAgainAtMostTwiceTheirEvenShareASecond() {
		CollectingExecutor fetches = new CollectingExecutor(10_000);
		ContactBook contacts = contactBook(fetches);
		for (int i = 0; i < 150; i++) {
			contacts.connected(connected("user-" + i, "s" + i));
		}
		runAll(fetches);

		contacts.refreshDue();
		assertThat(fetches.tasks).as("none due yet").isEmpty();

		this.clock.advance(REFRESH);
		contacts.refreshDue();
		// 150 users, each to be read every 60 s: 2.5 a second on average, 5 at most.
		assertThat(fetches.tasks).hasSize(5);
		contacts.refreshDue();
		assertThat(fetches.tasks).as("the next five; the first five are still queued").hasSize(10);

		runAll(fetches);
		for (int i = 0; i < 28; i++) {
			contacts.refreshDue();
		}
		assertThat(fetches.tasks).as("the other 140").hasSize(140);
		runAll(fetches);
		contacts.refreshDue();
		assertThat(fetches.tasks).as("all read again: none due until a minute later").isEmpty();
	}

	@Test
	void aUserIsForgottenWithItsLastSessionHereAndNotBefore() {
		ContactBook contacts = contactBook(new CollectingExecutor(10_000));
		contacts.connected(connected("alice", "phone"));
		contacts.connected(connected("alice", "laptop"));
		contacts.connected(connected("bob", "tablet"));
		// an event seen twice counts once
		contacts.connected(connected("carol", "desk"));
		contacts.connected(connected("carol", "desk"));
		assertThat(contacts.size()).isEqualTo(3);

		close(contacts, "alice", "phone");
		close(contacts, "alice", "phone");
		close(contacts, "carol", "desk");
		assertThat(contacts.size()).as("alice's laptop and bob's tablet are still here").isEqualTo(2);

		close(contacts, "alice", "laptop");
		assertThat(contacts.size()).isEqualTo(1);
		contacts.connected(connected("alice", "phone-again"));
		assertThat(contacts.size()).isEqualTo(2);
	}

	@Test
	void aConnectedEventThatComesAfterTheSessionsCloseKeepsNothing() {
		CollectingExecutor fetches = new CollectingExecutor(10_000);
		ContactBook contacts = contactBook(fetches);
		close(contacts, "dave", "early");
		contacts.connected(connected("dave", "early"));

		assertThat(contacts.size()).isZero();
		assertThat(fetches.tasks).as("no read for a session that is gone").isEmpty();
	}

	/**
	 * A user whose read failed: their frames (typing) do not each read again on the
	 * inbound thread within the minimum interval, and the read is retried in the
	 * background after 30 s rather than the whole refresh period. Before 2026-12-06 every
	 * frame of such a user read again (each up to the read's timeouts on a shared inbound
	 * thread), and the background retry waited the refresh period.
	 */
	@Test
	void aUserWhoseReadFailedIsReadAgainAfterTheMinimumIntervalAndRetriedInTheBackground() {
		CollectingExecutor fetches = new CollectingExecutor(10_000);
		ContactBook contacts = contactBook(fetches);
		contacts.connected(connected("gina", "s1"));
		runAll(fetches);
		assertThat(failed()).isEqualTo(1);

		ChatUser gina = new ChatUser("gina", "t");
		for (int i = 0; i < 50; i++) {
			assertThatExceptionOfType(ContactBook.ContactsUnavailableException.class)
				.isThrownBy(() -> contacts.membersOf(gina, UUID.randomUUID()));
		}
		assertThat(failed()).as("no read within the minimum interval").isEqualTo(1);
		this.clock.advance(MIN_REFRESH);
		assertThatExceptionOfType(ContactBook.ContactsUnavailableException.class)
			.isThrownBy(() -> contacts.membersOf(gina, UUID.randomUUID()));
		assertThat(failed()).isEqualTo(2);

		this.clock.advance(ContactBook.FAILED_RETRY);
		contacts.refreshDue();
		assertThat(fetches.tasks).as("retried before the refresh period (%s)", REFRESH).hasSize(1);
	}

	@Test
	void aUserKnownOnlyFromAFrameAfterTheirLastDisconnectIsForgottenWhenTheirReadComesDue() {
		CollectingExecutor fetches = new CollectingExecutor(10_000);
		ContactBook contacts = contactBook(fetches);
		contacts.connected(connected("erin", "s1"));
		close(contacts, "erin", "s1");
		// a typing frame of erin's still queued behind her disconnect (the read fails:
		// nothing listens on the URL)
		assertThatException().isThrownBy(() -> contacts.membersOf(new ChatUser("erin", "t"), UUID.randomUUID()));
		assertThat(contacts.size()).isEqualTo(1);
		fetches.tasks.clear();

		this.clock.advance(REFRESH);
		contacts.refreshDue();
		assertThat(contacts.size()).isZero();
		assertThat(fetches.tasks).as("not read again").isEmpty();
		// a user with a session is read again as before
		contacts.connected(connected("frank", "s2"));
		runAll(fetches);
		this.clock.advance(REFRESH);
		contacts.refreshDue();
		assertThat(fetches.tasks).hasSize(1);
		assertThat(contacts.size()).isEqualTo(1);
	}

	@Test
	void connectsAndDisconnectsOfOneUserRacingLeaveNoSessionCounted() throws Exception {
		// The connected event of a session and its disconnect run on different threads;
		// a disconnect between the session's registration and its count left the count
		// at one for good (the user read every 5 minutes for ever), and could take the
		// entry of another live session of the user with it.
		ContactBook contacts = contactBook(new CollectingExecutor(Integer.MAX_VALUE));
		contacts.connected(connected("gina", "anchor"));
		int rounds = 20_000;
		java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
		java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
		try {
			var connecting = threads.submit(() -> {
				for (int i = 0; i < rounds; i++) {
					together.await();
					contacts.connected(connected("gina", "s" + i));
				}
				return null;
			});
			var closing = threads.submit(() -> {
				for (int i = 0; i < rounds; i++) {
					together.await();
					close(contacts, "gina", "s" + i);
				}
				return null;
			});
			connecting.get(60, java.util.concurrent.TimeUnit.SECONDS);
			closing.get(60, java.util.concurrent.TimeUnit.SECONDS);
		}
		finally {
			threads.shutdownNow();
		}
		assertThat(contacts.size()).as("the anchor's entry is still here").isEqualTo(1);
		close(contacts, "gina", "anchor");
		assertThat(contacts.size()).as("no session left counted").isZero();
	}

	/** What the application's event multicaster does: the closed sessions first. */
	private void close(ContactBook contacts, String user, String sessionId) {
		SessionDisconnectEvent event = disconnected(user, sessionId);
		this.closedSessions.closed(event);
		contacts.disconnected(event);
	}

	private static void runAll(CollectingExecutor fetches) {
		List<Runnable> tasks = new ArrayList<>(fetches.tasks);
		fetches.tasks.clear();
		tasks.forEach(Runnable::run);
	}

	private double failed() {
		return this.meters.get("blueprint.chat.gateway.contacts.reads").tag("outcome", "failed").counter().count();
	}

	private double rejected() {
		return this.meters.get("blueprint.chat.gateway.contacts.reads").tag("outcome", "rejected").counter().count();
	}

	private ContactBook contactBook(TaskExecutor fetches) {
		return new ContactBook(URI.create("http://127.0.0.1:9"), Duration.ofMillis(200), REFRESH, MIN_REFRESH, fetches,
				this.closedSessions, this.clock, this.meters);
	}

	private static SessionConnectedEvent connected(String user, String sessionId) {
		StompHeaderAccessor headers = StompHeaderAccessor.create(StompCommand.CONNECTED);
		headers.setSessionId(sessionId);
		Message<byte[]> message = MessageBuilder.createMessage(new byte[0], headers.getMessageHeaders());
		return new SessionConnectedEvent(ContactBookTests.class, message, new ChatUser(user, "token-of-" + user));
	}

	private static SessionDisconnectEvent disconnected(String user, String sessionId) {
		StompHeaderAccessor headers = StompHeaderAccessor.create(StompCommand.DISCONNECT);
		headers.setSessionId(sessionId);
		Message<byte[]> message = MessageBuilder.createMessage(new byte[0], headers.getMessageHeaders());
		return new SessionDisconnectEvent(ContactBookTests.class, message, sessionId, CloseStatus.NORMAL,
				new ChatUser(user, "token-of-" + user));
	}

	/** A fetch queue of the given capacity whose tasks run only when a test runs them. */
	private static final class CollectingExecutor implements TaskExecutor {

		private final int capacity;

		private final List<Runnable> tasks = new ArrayList<>();

		CollectingExecutor(int capacity) {
			this.capacity = capacity;
		}

		@Override
		public void execute(Runnable task) {
			if (this.tasks.size() >= this.capacity) {
				throw new RejectedExecutionException("full");
			}
			this.tasks.add(task);
		}

	}

}
