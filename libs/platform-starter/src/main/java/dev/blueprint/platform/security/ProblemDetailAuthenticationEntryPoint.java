package dev.blueprint.platform.security;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.util.StringUtils;

/**
 * Answers 401 with the RFC 6750 {@code WWW-Authenticate} header and an RFC 9457 body.
 */
public class ProblemDetailAuthenticationEntryPoint implements AuthenticationEntryPoint {

	private final BearerTokenAuthenticationEntryPoint headers = new BearerTokenAuthenticationEntryPoint();

	private final ProblemDetailResponses problems;

	ProblemDetailAuthenticationEntryPoint(ProblemDetailResponses problems) {
		this.problems = problems;
	}

	@Override
	public void commence(HttpServletRequest request, HttpServletResponse response,
			AuthenticationException authException) throws IOException {
		this.headers.commence(request, response, authException);
		this.problems.write(request, response, HttpStatus.UNAUTHORIZED, detail(authException));
	}

	private static String detail(AuthenticationException exception) {
		if (exception instanceof OAuth2AuthenticationException oauth
				&& StringUtils.hasText(oauth.getError().getDescription())) {
			return oauth.getError().getDescription();
		}
		return "A valid bearer token is required.";
	}

}
