package dev.blueprint.ratelimit;

import dev.blueprint.platform.web.Problems;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Problem documents for request bodies that do not read. Bodies are read strictly, as in
 * every service (the platform starter's {@code StrictRequestBodiesAutoConfiguration}): a
 * field the API does not have is refused, not ignored, because an ignored field is a
 * change that does not happen ({@code "failure-policy":"fail-closed"} in a rule, where
 * the JSON name is {@code failurePolicy}, left the rule failing open on every instance,
 * answered with a 200), and a fraction where a whole number belongs is refused, not
 * truncated ({@code "cost":2.9} charged 2). The 400 names the field by its JSON path,
 * e.g. {@code rules[0].failure-policy} ({@link Problems#unreadableBody}).
 */
@RestControllerAdvice
class ApiProblems extends ResponseEntityExceptionHandler {

	@Override
	protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		return handleExceptionInternal(ex, Problems.unreadableBody(ex, null), headers, HttpStatus.BAD_REQUEST, request);
	}

}
