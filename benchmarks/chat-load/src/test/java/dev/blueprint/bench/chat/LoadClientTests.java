package dev.blueprint.bench.chat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.messaging.MessageDeliveryException;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;
import org.springframework.messaging.support.GenericMessage;

import static org.assertj.core.api.Assertions.assertThat;

class LoadClientTests {

	private final List<String> written = new ArrayList<>();

	private final LoadClient client = new LoadClient("alice", null);

	@Test
	void aMessageIsWrittenOnceToTheConversationsDestination() {
		this.client.attach(session(null));

		assertThat(this.client.sendMessage("c1", "m1", "hello")).isTrue();

		assertThat(this.written).singleElement()
			.satisfies(
					(body) -> assertThat(body).contains("\"clientMessageId\":\"m1\"").contains("\"body\":\"hello\""));
		assertThat(this.client.failure()).isNull();
	}

	@Test
	void aRefusedWriteFailsTheSendNamingTheCauseWithoutTheFrame() {
		this.client.attach(session(new IllegalStateException("The remote endpoint was in state [TEXT_FULL_WRITING]")));

		assertThat(this.client.sendMessage("c1", "m1", "hello")).isFalse();

		assertThat(this.written).hasSize(1);
		assertThat(this.client.failure()).contains("MessageDeliveryException")
			.contains("TEXT_FULL_WRITING")
			.doesNotContain("hello");
	}

	/**
	 * A connected session whose writes fail with {@code cause} (wrapped as Spring does),
	 * or succeed.
	 */
	private StompSession session(RuntimeException cause) {
		return (StompSession) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { StompSession.class },
				(proxy, method, args) -> switch (method.getName()) {
					case "isConnected" -> true;
					case "send" -> {
						assertThat(((StompHeaders) args[0]).getDestination())
							.isEqualTo("/app/conversations/c1/messages");
						this.written.add(new String((byte[]) args[1]));
						if (cause != null) {
							throw new MessageDeliveryException(new GenericMessage<>(args[1]), cause);
						}
						yield null;
					}
					default -> throw new UnsupportedOperationException(method.getName());
				});
	}

}
