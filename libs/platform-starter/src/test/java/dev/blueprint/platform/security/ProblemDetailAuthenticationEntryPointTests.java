package dev.blueprint.platform.security;

import org.junit.jupiter.api.Test;

import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.authentication.InsufficientAuthenticationException;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemDetailAuthenticationEntryPointTests {

	@Test
	void answersWithProblemDocumentAndBearerChallenge() throws Exception {
		ProblemDetailAuthenticationEntryPoint entryPoint = new ProblemDetailAuthenticationEntryPoint(
				new ProblemDetailResponses(new JacksonJsonHttpMessageConverter()));
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/urls/abc");
		MockHttpServletResponse response = new MockHttpServletResponse();

		entryPoint.commence(request, response, new InsufficientAuthenticationException("no token"));

		assertThat(response.getStatus()).isEqualTo(401);
		assertThat(response.getContentType()).isEqualTo("application/problem+json");
		assertThat(response.getHeader("WWW-Authenticate")).startsWith("Bearer");
		assertThat(response.getContentAsString()).isEqualTo("{\"detail\":\"A valid bearer token is required.\","
				+ "\"instance\":\"/api/v1/urls/abc\",\"status\":401,\"title\":\"Unauthorized\"}");
	}

}
