package dev.blueprint.chat.gateway;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.web.socket.BinaryMessage;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.AbstractWebSocketHandler;

import static org.assertj.core.api.Assertions.assertThat;

class SockJsHandshakeTests {

	private static final int LIMIT = 10;

	private final List<WebSocketMessage<?>> handled = new ArrayList<>();

	private final List<CloseStatus> closed = new ArrayList<>();

	private final SockJsHandshake.JoinedParts joined = new SockJsHandshake.JoinedParts(new AbstractWebSocketHandler() {

		@Override
		public void handleMessage(WebSocketSession session, WebSocketMessage<?> message) {
			SockJsHandshakeTests.this.handled.add(message);
		}

	}, LIMIT);

	private final WebSocketSession session = (WebSocketSession) Proxy.newProxyInstance(getClass().getClassLoader(),
			new Class<?>[] { WebSocketSession.class }, (proxy, method, args) -> {
				if (method.getName().equals("close")) {
					this.closed.add((CloseStatus) args[0]);
					return null;
				}
				throw new UnsupportedOperationException(method.getName());
			});

	private List<String> handledTexts() {
		return this.handled.stream().map((message) -> {
			assertThat(message.isLast()).as("passed on whole").isTrue();
			return ((TextMessage) message).getPayload();
		}).toList();
	}

	@Test
	void itTakesMessagesInParts() {
		assertThat(this.joined.supportsPartialMessages()).isTrue();
	}

	@Test
	void partsUpToTheLimitArePassedOnJoinedAndTheNextMessageStartsFromZero() throws Exception {
		this.joined.handleMessage(this.session, new TextMessage("12345", false));
		this.joined.handleMessage(this.session, new TextMessage("6789", false));
		this.joined.handleMessage(this.session, new TextMessage("0", true));
		this.joined.handleMessage(this.session, new TextMessage("abcdefghij", false));
		this.joined.handleMessage(this.session, new TextMessage("", true));

		assertThat(handledTexts()).containsExactly("1234567890", "abcdefghij");
		assertThat(this.closed).isEmpty();
	}

	@Test
	void aMessagePastTheLimitClosesTheSessionAndNothingOfItIsPassedOn() throws Exception {
		this.joined.handleMessage(this.session, new TextMessage("123456", false));
		this.joined.handleMessage(this.session, new TextMessage("78901", false));

		assertThat(this.handled).isEmpty();
		assertThat(this.closed).singleElement()
			.satisfies((status) -> assertThat(status.getCode()).isEqualTo(CloseStatus.TOO_BIG_TO_PROCESS.getCode()));
	}

	@Test
	void aWholeMessageIsPassedOnAsItIsWhateverItsLength() throws Exception {
		TextMessage whole = new TextMessage("longer than the limit", true);
		this.joined.handleMessage(this.session, whole);
		BinaryMessage binary = new BinaryMessage(ByteBuffer.wrap(new byte[] { 1 }), false);
		this.joined.handleMessage(this.session, binary);

		assertThat(this.handled).containsExactly(whole, binary);
	}

}
