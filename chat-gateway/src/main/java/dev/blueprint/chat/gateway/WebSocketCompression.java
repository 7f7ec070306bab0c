package dev.blueprint.chat.gateway;

import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Turns WebSocket compression ({@code permessage-deflate}, which every browser offers)
 * off unless {@code gateway.per-message-deflate} is on, by hiding the client's offer from
 * Tomcat: Tomcat accepts the extension whenever a client offers it (it negotiates from
 * the handshake's {@code Sec-WebSocket-Extensions} header itself, whatever Spring's
 * handshake handler selects), and each compressed session holds a zlib deflater and
 * inflater outside the heap (see the gateway README for what that measured per session).
 * Applied to the WebSocket handshake paths only ({@code /ws}, {@code /sockjs/**}).
 */
class WebSocketCompression extends OncePerRequestFilter {

	static final String EXTENSIONS_HEADER = "Sec-WebSocket-Extensions";

	private final boolean enabled;

	WebSocketCompression(boolean enabled) {
		this.enabled = enabled;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (this.enabled || request.getHeader(EXTENSIONS_HEADER) == null) {
			chain.doFilter(request, response);
			return;
		}
		chain.doFilter(new WithoutExtensions(request), response);
	}

	/** The request as if the client had offered no extension. */
	private static final class WithoutExtensions extends HttpServletRequestWrapper {

		WithoutExtensions(HttpServletRequest request) {
			super(request);
		}

		@Override
		public String getHeader(String name) {
			return EXTENSIONS_HEADER.equalsIgnoreCase(name) ? null : super.getHeader(name);
		}

		@Override
		public Enumeration<String> getHeaders(String name) {
			return EXTENSIONS_HEADER.equalsIgnoreCase(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
		}

		@Override
		public Enumeration<String> getHeaderNames() {
			return Collections.enumeration(Collections.list(super.getHeaderNames())
				.stream()
				.filter((name) -> !EXTENSIONS_HEADER.equalsIgnoreCase(name))
				.toList());
		}

	}

}
