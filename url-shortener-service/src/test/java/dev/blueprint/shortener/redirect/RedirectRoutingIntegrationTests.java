package dev.blueprint.shortener.redirect;

import java.util.List;
import java.util.Map;

import dev.blueprint.shortener.support.ShortenerIntegrationTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.server.PathContainer;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerExecutionChain;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.ServletRequestPathUtils;
import org.springframework.web.util.pattern.PathPattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The shortcut of {@link CodePathHandlerMapping} routes as the full lookup would: code
 * paths to the redirect with the same request attributes, everything else as before, and
 * no other mapping could have claimed a code path.
 */
class RedirectRoutingIntegrationTests extends ShortenerIntegrationTest {

	/** Paths of one code-shaped segment, at the shape's edges. */
	private static final List<String> CODE_PATHS = List.of("/abc", "/aB3xY9z", "/a_b-c", "/" + "z".repeat(32), "/api",
			"/actuator", "/swagger-ui", "/v3", "/error1");

	@Autowired
	@Qualifier("requestMappingHandlerMapping")
	RequestMappingHandlerMapping mapping;

	@Test
	void springBootUsesTheShortcutMapping() {
		assertThat(this.mapping).isInstanceOf(CodePathHandlerMapping.class);
	}

	@ParameterizedTest
	@ValueSource(strings = { "/abc", "/aB3xY9z", "/a_b-c", "/api", "/v3" })
	void aCodePathGoesToTheRedirectWithTheAttributesOfAPatternMatch(String path) throws Exception {
		MockHttpServletRequest request = request("GET", path);
		assertThat(handler(request)).isEqualTo("RedirectController.redirect");
		assertThat(request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE))
			.isEqualTo(Map.of("code", path.substring(1)));
		assertThat(request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE)).hasToString("/{code}");
		assertThat(handler(request("HEAD", path))).isEqualTo("RedirectController.redirect");
	}

	@Test
	void pathsThatAreNotOneCodeShapedSegmentTakeTheFullLookup() throws Exception {
		// too short, too long, a dot, two segments: still the redirect's /{code} pattern
		// or
		// another mapping, found the usual way
		assertThat(handler(request("GET", "/ab"))).isEqualTo("RedirectController.redirect");
		assertThat(handler(request("GET", "/" + "z".repeat(33)))).isEqualTo("RedirectController.redirect");
		assertThat(handler(request("GET", "/swagger-ui.html"))).isNotEqualTo("RedirectController.redirect");
		assertThat(handler(request("GET", "/api/v1/urls"))).isEqualTo("LinkController.list");
		assertThat(handler(request("GET", "/api/v1/urls/abc1234"))).isEqualTo("LinkController.details");
	}

	@Test
	void aLiteralPathOfOneSegmentKeepsItsOwnHandler() throws Exception {
		assertThat(handler(request("GET", "/error"))).startsWith("BasicErrorController.");
	}

	@Test
	void anotherMethodOnACodePathIsRefusedAsBefore() {
		assertThatExceptionOfType(HttpRequestMethodNotSupportedException.class)
			.isThrownBy(() -> handler(request("POST", "/aB3xY9z")));
		assertThatExceptionOfType(HttpRequestMethodNotSupportedException.class)
			.isThrownBy(() -> handler(request("DELETE", "/aB3xY9z")));
	}

	@Test
	void noOtherMappingHasAPatternThatMatchesACodePath() {
		for (Map.Entry<RequestMappingInfo, HandlerMethod> entry : this.mapping.getHandlerMethods().entrySet()) {
			if (entry.getValue().getBeanType() == RedirectController.class) {
				continue;
			}
			for (PathPattern pattern : entry.getKey().getPathPatternsCondition().getPatterns()) {
				if (!pattern.hasPatternSyntax()) {
					continue;
				}
				for (String path : CODE_PATHS) {
					assertThat(pattern.matches(PathContainer.parsePath(path)))
						.as("%s of %s matches %s", pattern, entry.getValue(), path)
						.isFalse();
				}
			}
		}
	}

	@Test
	void codePathsAreOneCodeShapedSegment() {
		assertThat(CodePathHandlerMapping.isCodePath("/abc")).isTrue();
		assertThat(CodePathHandlerMapping.isCodePath("/" + "a".repeat(32))).isTrue();
		assertThat(CodePathHandlerMapping.isCodePath("/")).isFalse();
		assertThat(CodePathHandlerMapping.isCodePath("/ab")).isFalse();
		assertThat(CodePathHandlerMapping.isCodePath("/" + "a".repeat(33))).isFalse();
		assertThat(CodePathHandlerMapping.isCodePath("/abc/def")).isFalse();
		assertThat(CodePathHandlerMapping.isCodePath("/abc.html")).isFalse();
		assertThat(CodePathHandlerMapping.isCodePath("abcd")).isFalse();
	}

	private static MockHttpServletRequest request(String method, String path) {
		MockHttpServletRequest request = new MockHttpServletRequest(method, path);
		ServletRequestPathUtils.parseAndCache(request);
		return request;
	}

	private String handler(MockHttpServletRequest request) throws Exception {
		HandlerExecutionChain chain = this.mapping.getHandler(request);
		assertThat(chain).as("a handler for %s %s", request.getMethod(), request.getRequestURI()).isNotNull();
		HandlerMethod handler = (HandlerMethod) chain.getHandler();
		return handler.getBeanType().getSimpleName() + "." + handler.getMethod().getName();
	}

}
