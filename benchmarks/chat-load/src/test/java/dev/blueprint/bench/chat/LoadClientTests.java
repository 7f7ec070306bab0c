package dev.blueprint.bench.chat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;

import org.springframework.messaging.MessageDeliveryException;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;
import org.springframework.messaging.support.GenericMessage;

import static org.assertj.core.api.Assertions.assertThat;

class LoadClientTests {

	private final List<String> written = new ArrayList<>();

	private final LoadClient client = new LoadClient("alice", null);

	private final LongAdder retried = new LongAdder();

	@Test
	void aWriteTheSessionRefusedIsSentAgainWithTheSameClientMessageId() {
		this.client.attach(session(1));

		assertThat(this.client.sendMessage("c1", "m1", "hello", this.retried)).isTrue();

		assertThat(this.written).hasSize(2)
			.allSatisfy((body) -> assertThat(body).contains("\"clientMessageId\":\"m1\""));
		assertThat(this.retried.sum()).isEqualTo(1);
		assertThat(this.client.failure()).isNull();
	}

	@Test
	void aSessionThatRefusesEveryTryFailsTheSendAfterThreeNamingTheCause() {
		this.client.attach(session(Integer.MAX_VALUE));

		assertThat(this.client.sendMessage("c1", "m1", "hello", this.retried)).isFalse();

		assertThat(this.written).hasSize(3);
		assertThat(this.retried.sum()).isEqualTo(2);
		assertThat(this.client.failure()).contains("MessageDeliveryException").contains("TEXT_FULL_WRITING");
	}

	@Test
	void aClosedSessionIsNotTriedAgain() {
		this.client.attach(session(Integer.MAX_VALUE, false, new IllegalStateException("closed")));

		assertThat(this.client.sendMessage("c1", "m1", "hello", this.retried)).isFalse();

		assertThat(this.written).hasSize(1);
		assertThat(this.retried.sum()).isZero();
	}

	@Test
	void aFailureOtherThanARefusedWriteIsNotTriedAgain() {
		this.client.attach(session(Integer.MAX_VALUE, true, new RuntimeException("broken pipe")));

		assertThat(this.client.sendMessage("c1", "m1", "hello", this.retried)).isFalse();

		assertThat(this.written).hasSize(1);
		assertThat(this.client.failure()).contains("broken pipe");
	}

	@Test
	void anAcceptedWriteIsNotRetried() {
		this.client.attach(session(0));

		assertThat(this.client.sendMessage("c1", "m1", "hello", this.retried)).isTrue();

		assertThat(this.written).hasSize(1);
		assertThat(this.retried.sum()).isZero();
	}

	/**
	 * A connected session whose first {@code refusals} writes throw as Spring's client
	 * does when the endpoint is busy writing a heart-beat.
	 */
	private StompSession session(int refusals) {
		return session(refusals, true,
				new IllegalStateException("The remote endpoint was in state [TEXT_FULL_WRITING]"));
	}

	/**
	 * A session, connected or not, whose first {@code refusals} writes fail with
	 * {@code cause} wrapped as Spring's client wraps it.
	 */
	private StompSession session(int refusals, boolean connected, RuntimeException cause) {
		return (StompSession) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { StompSession.class },
				(proxy, method, args) -> switch (method.getName()) {
					case "isConnected" -> connected;
					case "send" -> {
						assertThat(((StompHeaders) args[0]).getDestination())
							.isEqualTo("/app/conversations/c1/messages");
						this.written.add(new String((byte[]) args[1]));
						if (this.written.size() <= refusals) {
							throw new MessageDeliveryException(new GenericMessage<>(args[1]), cause);
						}
						yield null;
					}
					default -> throw new UnsupportedOperationException(method.getName());
				});
	}

}
