package dev.blueprint.platform.web;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses a request body above {@code blueprint.web.max-request-body} with 413 and an RFC
 * 9457 problem, before any handler reads it, whatever the path: REST controllers, a
 * proxy, SockJS's {@code xhr_send} (which reads a body whole, without a limit of its
 * own). A declared {@code Content-Length} above the limit is refused unread; a body of
 * unknown length ({@code Transfer-Encoding: chunked}, or no length over HTTP/2) is read
 * here up to one byte past the limit, refused if it gets there and otherwise handed on
 * from memory. After a refusal the connection is closed: the rest of the body is
 * discarded, not held (Tomcat reads up to its {@code max-swallow-size} of it, 2 MB, then
 * drops the connection).
 */
final class RequestBodyLimitFilter extends OncePerRequestFilter {

	private final long maxBytes;

	private final JacksonJsonHttpMessageConverter converter;

	RequestBodyLimitFilter(long maxBytes, JacksonJsonHttpMessageConverter converter) {
		this.maxBytes = maxBytes;
		this.converter = converter;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		long length = request.getContentLengthLong();
		if (length > this.maxBytes) {
			refuse(request, response);
			return;
		}
		if (length < 0 && mayHaveBody(request)) {
			byte[] body = request.getInputStream().readNBytes((int) this.maxBytes + 1);
			if (body.length > this.maxBytes) {
				refuse(request, response);
				return;
			}
			chain.doFilter(new ReadRequest(request, body), response);
			return;
		}
		chain.doFilter(request, response);
	}

	/**
	 * Whether a request without {@code Content-Length} may still have a body: chunked in
	 * HTTP/1.1; over HTTP/2 any request may carry DATA frames without declaring a length.
	 */
	private static boolean mayHaveBody(HttpServletRequest request) {
		return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null || request.getProtocol().startsWith("HTTP/2");
	}

	private void refuse(HttpServletRequest request, HttpServletResponse response) throws IOException {
		ProblemDetail problem = Problems.of(HttpStatus.CONTENT_TOO_LARGE, "Content Too Large",
				"Request body exceeds " + this.maxBytes + " bytes");
		problem.setInstance(URI.create(request.getRequestURI()));
		response.setStatus(HttpStatus.CONTENT_TOO_LARGE.value());
		response.setHeader(HttpHeaders.CONNECTION, "close");
		this.converter.write(problem, MediaType.APPLICATION_PROBLEM_JSON, new ServletServerHttpResponse(response));
	}

	/**
	 * A request whose body has been read into memory: one stream or one reader over it,
	 * as the Servlet API gives.
	 */
	private static final class ReadRequest extends HttpServletRequestWrapper {

		private final byte[] body;

		private ServletInputStream stream;

		private BufferedReader reader;

		ReadRequest(HttpServletRequest request, byte[] body) {
			super(request);
			this.body = body;
		}

		@Override
		public int getContentLength() {
			return this.body.length;
		}

		@Override
		public long getContentLengthLong() {
			return this.body.length;
		}

		@Override
		public ServletInputStream getInputStream() {
			if (this.reader != null) {
				throw new IllegalStateException("getReader() has already been called for this request");
			}
			if (this.stream == null) {
				this.stream = stream();
			}
			return this.stream;
		}

		private ServletInputStream stream() {
			ByteArrayInputStream in = new ByteArrayInputStream(this.body);
			return new ServletInputStream() {

				@Override
				public int read() {
					return in.read();
				}

				@Override
				public int read(byte[] buffer, int offset, int length) {
					return in.read(buffer, offset, length);
				}

				@Override
				public boolean isFinished() {
					return in.available() == 0;
				}

				@Override
				public boolean isReady() {
					return true;
				}

				@Override
				public void setReadListener(ReadListener listener) {
					try {
						listener.onDataAvailable();
						listener.onAllDataRead();
					}
					catch (IOException ex) {
						listener.onError(ex);
					}
				}

			};
		}

		@Override
		public BufferedReader getReader() {
			if (this.stream != null) {
				throw new IllegalStateException("getInputStream() has already been called for this request");
			}
			if (this.reader == null) {
				String encoding = getCharacterEncoding();
				Charset charset = (encoding != null) ? Charset.forName(encoding) : StandardCharsets.ISO_8859_1;
				this.reader = new BufferedReader(new InputStreamReader(stream(), charset));
			}
			return this.reader;
		}

	}

}
