package dev.blueprint.platform.web;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.servlet.filter.OrderedFormContentFilter;
import org.springframework.core.Ordered;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class RequestBodyLimitFilterTests {

	private static final int LIMIT = 16;

	private static final String PATH = "/api/v1/things";

	private final RequestBodyLimitFilter filter = new RequestBodyLimitFilter(LIMIT,
			new JacksonJsonHttpMessageConverter(new JsonMapper()));

	/** What the handler after the filter read from each request it got. */
	private final List<String> handled = new ArrayList<>();

	private MockHttpServletResponse filter(MockHttpServletRequest request, boolean readAsText) throws Exception {
		MockHttpServletResponse response = new MockHttpServletResponse();
		this.filter.doFilter(request, response, (passed, ignored) -> {
			HttpServletRequest http = (HttpServletRequest) passed;
			if (readAsText) {
				try (BufferedReader reader = http.getReader()) {
					this.handled.add(reader.lines().reduce("", String::concat));
				}
			}
			else {
				this.handled.add(new String(http.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
			}
		});
		return response;
	}

	private static MockHttpServletRequest post(String body, boolean chunked) {
		MockHttpServletRequest request = chunked ? new MockHttpServletRequest("POST", PATH) {

			// A body of unknown length: no Content-Length.
			@Override
			public long getContentLengthLong() {
				return -1;
			}

		} : new MockHttpServletRequest("POST", PATH);
		request.setContent(body.getBytes(StandardCharsets.UTF_8));
		if (chunked) {
			request.addHeader("Transfer-Encoding", "chunked");
		}
		return request;
	}

	@Test
	void aBodyAtTheLimitIsHandedOnWithOrWithoutItsLength() throws Exception {
		String body = "x".repeat(LIMIT - 2) + "é";
		for (boolean chunked : List.of(false, true)) {
			assertThat(filter(post(body, chunked), false).getStatus()).isEqualTo(200);
		}
		MockHttpServletRequest text = post(body, true);
		text.setCharacterEncoding("UTF-8");
		filter(text, true);

		assertThat(this.handled).containsExactly(body, body, body);
	}

	@Test
	void aBodyAboveTheLimitIsRefusedWithAProblemAndNotHandedOn() throws Exception {
		for (boolean chunked : List.of(false, true)) {
			MockHttpServletResponse response = filter(post("x".repeat(LIMIT + 1), chunked), false);

			assertThat(response.getStatus()).isEqualTo(413);
			assertThat(response.getContentType()).isEqualTo("application/problem+json");
			assertThat(response.getHeader("Connection")).isEqualTo("close");
			assertThat(response.getContentAsString()).contains("\"status\":413")
				.contains("\"detail\":\"Request body exceeds 16 bytes\"")
				.contains("\"instance\":\"/api/v1/things\"");
		}
		assertThat(this.handled).isEmpty();
	}

	@Test
	void aBodyReadIntoMemoryGivesOneStreamOrOneReader() throws Exception {
		MockHttpServletResponse response = new MockHttpServletResponse();
		this.filter.doFilter(post("chunked", true), response, (passed, ignored) -> {
			HttpServletRequest http = (HttpServletRequest) passed;
			assertThat(http.getInputStream()).isSameAs(http.getInputStream());
			assertThatIllegalStateException().isThrownBy(http::getReader);
			this.handled.add(new String(http.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
		});
		assertThat(this.handled).containsExactly("chunked");
	}

	@Test
	void itRunsBeforeAnythingThatReadsABody() {
		assertThat(RequestBodyLimitAutoConfiguration.ORDER).isLessThan(OrderedFormContentFilter.DEFAULT_ORDER)
			.isLessThan(-100) // Spring Security's filter chain
			.isGreaterThan(Ordered.HIGHEST_PRECEDENCE + 1); // the observation filter
	}

	@Test
	void anHttp2BodyWithoutALengthIsCountedToo() throws Exception {
		MockHttpServletRequest within = post("x".repeat(LIMIT), true);
		within.removeHeader("Transfer-Encoding");
		within.setProtocol("HTTP/2.0");
		MockHttpServletRequest over = post("x".repeat(LIMIT + 1), true);
		over.removeHeader("Transfer-Encoding");
		over.setProtocol("HTTP/2.0");

		assertThat(filter(within, false).getStatus()).isEqualTo(200);
		assertThat(filter(over, false).getStatus()).isEqualTo(413);
		assertThat(this.handled).containsExactly("x".repeat(LIMIT));
	}

	@Test
	void aRequestWithoutABodyIsHandedOnAsItIs() throws Exception {
		MockHttpServletRequest get = new MockHttpServletRequest("GET", PATH);
		assertThat(filter(get, false).getStatus()).isEqualTo(200);
		assertThat(this.handled).containsExactly("");
	}

	@Test
	void theLimitIsFromOneByteToOneGigabyte() {
		for (DataSize size : List.of(DataSize.ofBytes(1), DataSize.ofGigabytes(1))) {
			assertThat(new RequestBodyLimitProperties(size).maxRequestBody()).isEqualTo(size);
		}
		assertThatIllegalArgumentException().isThrownBy(() -> new RequestBodyLimitProperties(DataSize.ofBytes(0)))
			.withMessage("blueprint.web.max-request-body must be from 1B to 1073741824B, was 0B");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RequestBodyLimitProperties(DataSize.ofBytes(DataSize.ofGigabytes(1).toBytes() + 1)));
	}

}
