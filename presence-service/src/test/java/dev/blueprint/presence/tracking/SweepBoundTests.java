package dev.blueprint.presence.tracking;

import java.time.Clock;
import java.time.Duration;

import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.presence.core.PresenceRules;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.mockito.Mockito.atLeast;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.verify;

/**
 * A sweep takes batch after batch while they come full, but ends once the claim timeout
 * has passed: until 2026-12-07 a backlog that kept the batches full held the sweep (and a
 * shutdown waiting for it) as long as it lasted. The batches themselves against the real
 * Redis: {@code PresenceTrackingIntegrationTests}.
 */
class SweepBoundTests {

	private static final int BATCH = 100;

	@Test
	void aSweepWhoseBatchesAlwaysComeFullEndsAfterTheClaimTimeout() {
		PresenceTracker tracker = spy(new PresenceTracker(mock(PresenceStore.class), mock(SessionRegistry.class),
				new PresenceRules(Duration.ofSeconds(30), Duration.ZERO), Clock.systemUTC(), BATCH,
				Duration.ofMillis(300), new SimpleMeterRegistry()));
		doReturn(BATCH).when(tracker).sweepOnce();

		assertTimeoutPreemptively(Duration.ofSeconds(30), tracker::sweep);

		verify(tracker, atLeast(2)).sweepOnce();
	}

}
