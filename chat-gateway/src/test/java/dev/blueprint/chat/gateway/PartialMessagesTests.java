package dev.blueprint.chat.gateway;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.AbstractWebSocketHandler;

import static org.assertj.core.api.Assertions.assertThat;

class PartialMessagesTests {

	private static final int LIMIT = 10;

	private final List<String> handled = new ArrayList<>();

	private final List<CloseStatus> closed = new ArrayList<>();

	private static final int BUFFER = 4;

	/**
	 * The session's container text buffer, in characters (-1: none, SockJS over HTTP).
	 */
	private int textBuffer = BUFFER;

	private final PartialMessages partial = new PartialMessages(new AbstractWebSocketHandler() {

		@Override
		public void afterConnectionEstablished(WebSocketSession session) {
			// as Spring's STOMP handler does
			if (session.getTextMessageSizeLimit() < 16_640) {
				session.setTextMessageSizeLimit(16_640);
			}
		}

		@Override
		public void handleMessage(WebSocketSession session, WebSocketMessage<?> message) {
			PartialMessagesTests.this.handled.add((String) message.getPayload());
		}

	}, LIMIT, BUFFER);

	private final WebSocketSession session = (WebSocketSession) Proxy.newProxyInstance(getClass().getClassLoader(),
			new Class<?>[] { WebSocketSession.class }, (proxy, method, args) -> switch (method.getName()) {
				case "getId" -> "s-1";
				case "close" -> {
					this.closed.add((CloseStatus) args[0]);
					yield null;
				}
				case "isOpen" -> true;
				case "getTextMessageSizeLimit" -> this.textBuffer;
				case "setTextMessageSizeLimit" -> {
					if (this.textBuffer >= 0) {
						this.textBuffer = (int) args[0];
					}
					yield null;
				}
				default -> throw new UnsupportedOperationException(method.getName());
			});

	@Test
	void theSessionKeepsTheConfiguredTextBufferThoughSpringsStompHandlerRaisesIt() throws Exception {
		this.partial.afterConnectionEstablished(this.session);

		assertThat(this.textBuffer).isEqualTo(BUFFER);
	}

	@Test
	void aSessionWithoutATextBufferIsLeftAsItIs() throws Exception {
		this.textBuffer = -1;

		this.partial.afterConnectionEstablished(this.session);

		assertThat(this.textBuffer).isEqualTo(-1);
	}

	@Test
	void itTakesMessagesInParts() {
		assertThat(this.partial.supportsPartialMessages()).isTrue();
	}

	@Test
	void partsUpToTheLimitArePassedOnAndTheNextMessageStartsFromZero() throws Exception {
		this.partial.handleMessage(this.session, new TextMessage("12345", false));
		this.partial.handleMessage(this.session, new TextMessage("67890", true));
		this.partial.handleMessage(this.session, new TextMessage("abcdefghij", false));
		this.partial.handleMessage(this.session, new TextMessage("", true));

		assertThat(this.handled).containsExactly("12345", "67890", "abcdefghij", "");
		assertThat(this.closed).isEmpty();
	}

	@Test
	void aMessagePastTheLimitClosesTheSessionAndIsNotPassedOn() throws Exception {
		this.partial.handleMessage(this.session, new TextMessage("123456", false));
		this.partial.handleMessage(this.session, new TextMessage("78901", false));

		assertThat(this.handled).containsExactly("123456");
		assertThat(this.closed).singleElement()
			.satisfies((status) -> assertThat(status.getCode()).isEqualTo(CloseStatus.TOO_BIG_TO_PROCESS.getCode()));
	}

	@Test
	void aWholeMessageIsPassedOnAsItIs() throws Exception {
		this.partial.handleMessage(this.session, new TextMessage("whole", true));

		assertThat(this.handled).containsExactly("whole");
	}

}
