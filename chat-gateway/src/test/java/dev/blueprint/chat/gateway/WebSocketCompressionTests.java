package dev.blueprint.chat.gateway;

import java.util.Collections;

import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

class WebSocketCompressionTests {

	@Test
	void whenOffTheServerSeesNoExtensionOfferAndEveryOtherHeader() throws Exception {
		HttpServletRequest seen = filtered(false);

		assertThat(seen.getHeader("Sec-WebSocket-Extensions")).isNull();
		assertThat(seen.getHeader("sec-websocket-extensions")).isNull();
		assertThat(Collections.list(seen.getHeaders("Sec-WebSocket-Extensions"))).isEmpty();
		assertThat(Collections.list(seen.getHeaderNames())).containsExactlyInAnyOrder("Upgrade", "Sec-WebSocket-Key");
		assertThat(seen.getHeader("Upgrade")).isEqualTo("websocket");
	}

	@Test
	void whenOnTheOfferPassesUntouched() throws Exception {
		HttpServletRequest seen = filtered(true);

		assertThat(seen.getHeader("Sec-WebSocket-Extensions")).isEqualTo("permessage-deflate; client_max_window_bits");
	}

	private static HttpServletRequest filtered(boolean enabled) throws Exception {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/ws");
		request.addHeader("Upgrade", "websocket");
		request.addHeader("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
		request.addHeader("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits");
		MockFilterChain chain = new MockFilterChain();
		new WebSocketCompression(enabled).doFilter(request, new MockHttpServletResponse(), chain);
		return (HttpServletRequest) chain.getRequest();
	}

}
