package dev.blueprint.notification.notifications;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.notification.NotificationProperties;
import dev.blueprint.notification.notifications.core.Notification;
import dev.blueprint.notification.notifications.core.NotificationKey;
import dev.blueprint.notification.support.PushIntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A notification write that times out after Cassandra applied it: the batch fails and is
 * retried, and the retry reads the notification back already up to date. Before
 * 2026-12-06 the retry then had nothing to push, and the push was lost; now the write
 * that failed is remembered and the retry hands it over. Real Cassandra; only the timeout
 * is made up (the write runs, then the driver's exception is returned).
 */
class NotificationWriteTimeoutIntegrationTests extends PushIntegrationTest {

	@Autowired
	CqlSession session;

	@Autowired
	NotificationProperties properties;

	@Test
	void aWriteThatTimedOutButAppliedIsPushedByTheBatchsRetryOnce() {
		AtomicBoolean timingOut = new AtomicBoolean(true);
		NotificationStore store = new NotificationStore(timingOutWrites(this.session, timingOut),
				this.properties.notifications().ttl());
		NotificationService service = new NotificationService(store, this.properties.notifications(),
				Clock.systemUTC());
		String bob = unique("bob");
		UUID conversation = UUID.randomUUID();
		Map<NotificationKey, List<ChatEvent.MessagePersisted>> batch = Map.of(new NotificationKey(bob, conversation),
				List.of(new ChatEvent.MessagePersisted(conversation, 1, UUID.randomUUID(), "alice", "c-1", "hello",
						Instant.now(), List.of("alice", bob), false, new ChatEvent.Origin("gw-test", "s-alice"))));
		List<Notification> pushed = new ArrayList<>();

		assertThatExceptionOfType(DriverTimeoutException.class).isThrownBy(() -> service.record(batch, pushed::add));
		assertThat(pushed).isEmpty();
		assertThat(store.find(bob, conversation)).as("applied all the same").isPresent();

		timingOut.set(false);
		service.record(batch, pushed::add);
		assertThat(pushed).singleElement().satisfies((n) -> assertThat(n.latestSeq()).isEqualTo(1));

		service.record(batch, pushed::add);
		assertThat(pushed).as("once: a batch consumed again later pushes nothing").hasSize(1);
	}

	/**
	 * {@code session}, except that while {@code timingOut} is set a notification's write
	 * runs and then fails with the driver's timeout.
	 */
	private static CqlSession timingOutWrites(CqlSession session, AtomicBoolean timingOut) {
		return (CqlSession) Proxy.newProxyInstance(CqlSession.class.getClassLoader(),
				new Class<?>[] { CqlSession.class }, (proxy, method, args) -> {
					Object result;
					try {
						result = method.invoke(session, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
					if (timingOut.get() && method.getName().equals("executeAsync")
							&& args[0] instanceof BoundStatement bound
							&& bound.getPreparedStatement().getQuery().startsWith("INSERT INTO notifications")) {
						return ((CompletionStage<?>) result).toCompletableFuture()
							.thenCompose((applied) -> CompletableFuture
								.failedFuture(new DriverTimeoutException("Query timed out after PT10S")));
					}
					return result;
				});
	}

}
