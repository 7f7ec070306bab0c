package dev.blueprint.chat.gateway;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.PresenceChanged;
import dev.blueprint.chat.gateway.contacts.ContactBook;
import dev.blueprint.chat.gateway.presence.PresenceGaps;
import dev.blueprint.chat.gateway.presence.PresenceRelay;
import dev.blueprint.chat.gateway.session.ClosedSessions;
import dev.blueprint.chat.gateway.stomp.ClientFrames;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.data.redis.connection.DefaultMessage;
import org.springframework.data.redis.connection.Message;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When presence changes may have been missed (the channel subscribed again, or changes
 * dropped from the presence thread's full queue), every session is told once to read
 * presence again, after the changes that were kept; never when nothing was missed.
 */
class PresenceRelayTests {

	private static final byte[] CHANNEL = PresenceChanged.CHANNEL.getBytes(StandardCharsets.UTF_8);

	private final MeterRegistry meters = new SimpleMeterRegistry();

	private final ChatEventCodec codec = new ChatEventCodec();

	private final CountingFrames frames = new CountingFrames();

	private final PresenceGaps gaps = new PresenceGaps();

	private final ThreadPoolTaskExecutor thread = GatewayConfiguration.oneThreadDroppingOldest("presence", 3, "dropped",
			this.meters, this.gaps::missed);

	private final PresenceRelay relay = new PresenceRelay(this.codec,
			new ContactBook(URI.create("http://127.0.0.1:9"), Duration.ofMillis(200), Duration.ofMinutes(5),
					Duration.ofSeconds(30), new SyncTaskExecutor(), new ClosedSessions(), Clock.systemUTC(),
					this.meters),
			this.frames, this.gaps, this.thread::getQueueSize, 3, this.meters);

	private final CountDownLatch release = new CountDownLatch(1);

	private final AtomicInteger submitted = new AtomicInteger();

	private final AtomicInteger finished = new AtomicInteger();

	PresenceRelayTests() {
		this.thread.initialize();
	}

	@AfterEach
	void stop() {
		this.release.countDown();
		this.thread.shutdown();
	}

	@Test
	void theFirstSubscriptionMissesNothingAndEveryLaterOneTellsEverySession() {
		this.relay.onChannelSubscribed(CHANNEL, 1);
		assertThat(this.frames.resyncs).hasValue(0);
		this.relay.onChannelSubscribed(CHANNEL, 1);
		assertThat(this.frames.resyncs).hasValue(1);
		this.relay.onMessage(change("u1"), null);
		assertThat(this.frames.resyncs).as("told once").hasValue(1);
		this.relay.onChannelSubscribed(CHANNEL, 1);
		assertThat(this.frames.resyncs).hasValue(2);
		assertThat(this.meters.get("blueprint.chat.gateway.presence.resyncs").counter().count()).isEqualTo(2);
	}

	@Test
	void changesDroppedFromAFullQueueAreFollowedByOneResyncOnceTheQueueHasDrained() throws Exception {
		this.relay.onChannelSubscribed(CHANNEL, 1);
		holdTheThread();
		for (int user = 1; user <= 10; user++) {
			Message change = change("u" + user);
			submit(() -> this.relay.onMessage(change, null));
		}
		assertThat(this.meters.get("blueprint.chat.gateway.presence.dropped").counter().count()).isEqualTo(7);
		assertThat(this.frames.resyncs).as("not while changes wait").hasValue(0);
		this.release.countDown();
		awaitIdle();
		assertThat(this.frames.resyncs).as("one notice for seven drops").hasValue(1);
		assertThat(this.frames.queueWhenTold).as("after the kept changes").hasValue(0);
	}

	@Test
	void aFullQueueThatDropsNothingTellsNobody() throws Exception {
		this.relay.onChannelSubscribed(CHANNEL, 1);
		holdTheThread();
		for (int user = 1; user <= 3; user++) {
			Message change = change("u" + user);
			submit(() -> this.relay.onMessage(change, null));
		}
		this.release.countDown();
		awaitIdle();
		assertThat(this.meters.get("blueprint.chat.gateway.presence.dropped").counter().count()).isZero();
		assertThat(this.frames.resyncs).hasValue(0);
	}

	@Test
	void aResubscriptionNoticeDroppedFromAFullQueueStillEndsInAResync() throws Exception {
		this.relay.onChannelSubscribed(CHANNEL, 1);
		holdTheThread();
		// the container queues subscription notices on the same thread as messages
		submit(() -> this.relay.onChannelSubscribed(CHANNEL, 1));
		for (int user = 1; user <= 3; user++) {
			Message change = change("u" + user);
			submit(() -> this.relay.onMessage(change, null));
		}
		assertThat(this.meters.get("blueprint.chat.gateway.presence.dropped").counter().count())
			.as("the notice was the oldest")
			.isEqualTo(1);
		this.release.countDown();
		awaitIdle();
		assertThat(this.frames.resyncs).hasValue(1);
	}

	@Test
	void aUserIsToldOfTheContactsThatChangedWhileTheirFirstReadRan() {
		this.relay.onMessage(change("bob"), null);
		long connectedAt = System.nanoTime();
		this.relay.onMessage(change("carol"), null);
		this.relay.onMessage(change("mallory"), null);
		long indexedAt = System.nanoTime();
		this.relay.loaded("alice", Set.of("bob", "carol", "dave"), connectedAt, indexedAt);
		this.relay.onMessage(change("dave"), null);
		this.relay.loaded("erin", Set.of("bob", "dave"), connectedAt, indexedAt);
		assertThat(this.frames.toUser)
			.as("bob before alice connected, dave after her contacts were known; "
					+ "erin's contacts changed outside her read")
			.containsExactly("alice " + PresenceRelay.resyncOf(Set.of("carol")));
		assertThat(this.meters.get("blueprint.chat.gateway.presence.first-read.notices").counter().count()).isOne();
	}

	@Test
	void aUserIsToldToReadEveryContactWhenMoreUsersChangedDuringTheirFirstReadThanAreRemembered() {
		long connectedAt = System.nanoTime();
		for (String user : List.of("u1", "u2", "u3", "u4")) {
			this.relay.onMessage(change(user), null);
		}
		this.relay.loaded("alice", Set.of("dave", "u4"), connectedAt, System.nanoTime());
		assertThat(this.frames.toUser).as("three remembered: u1's change was forgotten")
			.containsExactly("alice " + PresenceRelay.resyncOf(Set.of("dave", "u4")));
	}

	private void holdTheThread() throws InterruptedException {
		CountDownLatch running = new CountDownLatch(1);
		submit(() -> {
			running.countDown();
			try {
				this.release.await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
	}

	/** Runs {@code task} on the presence thread, counted when it has run. */
	private void submit(Runnable task) {
		this.submitted.incrementAndGet();
		this.thread.execute(() -> {
			try {
				task.run();
			}
			finally {
				this.finished.incrementAndGet();
			}
		});
	}

	/**
	 * Waits until every task that was not dropped has run to its end (submitted minus
	 * dropped): a resync is sent within the task that finds the queue drained.
	 */
	private void awaitIdle() throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		long dropped = (long) this.meters.get("blueprint.chat.gateway.presence.dropped").counter().count();
		while (this.finished.get() < this.submitted.get() - dropped) {
			assertThat(System.nanoTime()).as("the presence thread drains").isLessThan(deadline);
			Thread.sleep(5);
		}
	}

	private Message change(String user) {
		String json = this.codec.encode(new PresenceChanged(user, "online", null, Instant.now()));
		return new DefaultMessage(CHANNEL, json.getBytes(StandardCharsets.UTF_8));
	}

	/** Counts the notices to every session; nobody is connected. */
	private final class CountingFrames extends ClientFrames {

		final AtomicInteger resyncs = new AtomicInteger();

		final AtomicInteger queueWhenTold = new AtomicInteger(-1);

		CountingFrames() {
			super(null, null);
		}

		@Override
		public int toEveryone(String queue, Object payload) {
			assertThat(queue).isEqualTo(ClientFrames.PRESENCE);
			assertThat(payload).isEqualTo(PresenceRelay.RESYNC);
			this.queueWhenTold.set(PresenceRelayTests.this.thread.getQueueSize());
			this.resyncs.incrementAndGet();
			return 0;
		}

		final List<String> toUser = new CopyOnWriteArrayList<>();

		@Override
		public void toUser(String user, String queue, Object payload) {
			assertThat(queue).isEqualTo(ClientFrames.PRESENCE);
			this.toUser.add(user + " " + payload);
		}

	}

}
