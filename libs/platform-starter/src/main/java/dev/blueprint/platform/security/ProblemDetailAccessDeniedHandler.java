package dev.blueprint.platform.security;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * Answers 403 with the RFC 6750 {@code WWW-Authenticate} header and an RFC 9457 body.
 */
public class ProblemDetailAccessDeniedHandler implements AccessDeniedHandler {

	private final BearerTokenAccessDeniedHandler headers = new BearerTokenAccessDeniedHandler();

	private final ProblemDetailResponses problems;

	ProblemDetailAccessDeniedHandler(ProblemDetailResponses problems) {
		this.problems = problems;
	}

	@Override
	public void handle(HttpServletRequest request, HttpServletResponse response,
			AccessDeniedException accessDeniedException) throws IOException {
		this.headers.handle(request, response, accessDeniedException);
		this.problems.write(request, response, HttpStatus.FORBIDDEN,
				"The bearer token does not grant access to this resource.");
	}

}
