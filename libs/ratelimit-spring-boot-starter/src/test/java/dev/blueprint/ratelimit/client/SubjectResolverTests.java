package dev.blueprint.ratelimit.client;

import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;

class SubjectResolverTests {

	private final SubjectResolver resolver = new SubjectResolver(Set.of("10.0.0.1", "10.0.0.2"));

	@Test
	void usesThePeerAddressWhenItIsNoTrustedProxy() {
		MockHttpServletRequest request = request("198.51.100.9", "203.0.113.7");
		assertThat(this.resolver.resolve(request, Subject.IP, null)).isEqualTo("ip:198.51.100.9");
	}

	@Test
	void believesForwardedForOnlyUpToTheFirstUntrustedHop() {
		MockHttpServletRequest request = request("10.0.0.1", "1.2.3.4, 203.0.113.7, 10.0.0.2");
		assertThat(this.resolver.resolve(request, Subject.IP, null))
			.as("1.2.3.4 was written by the client, 203.0.113.7 by our first proxy")
			.isEqualTo("ip:203.0.113.7");
	}

	@Test
	void prefersTheAuthenticatedUser() {
		MockHttpServletRequest request = request("198.51.100.9", null);
		assertThat(this.resolver.resolve(request, Subject.USER_OR_IP, null)).isEqualTo("ip:198.51.100.9");
		request.setUserPrincipal(() -> "alice");
		assertThat(this.resolver.resolve(request, Subject.USER_OR_IP, null)).isEqualTo("user:alice");
	}

	@Test
	void readsAHeader() {
		MockHttpServletRequest request = request("198.51.100.9", null);
		request.addHeader("X-Api-Key", "k-123");
		assertThat(this.resolver.resolve(request, Subject.HEADER, "X-Api-Key")).isEqualTo("header:k-123");
	}

	private static MockHttpServletRequest request(String peer, String forwardedFor) {
		MockHttpServletRequest request = new MockHttpServletRequest("POST", "/things");
		request.setRemoteAddr(peer);
		if (forwardedFor != null) {
			request.addHeader("X-Forwarded-For", forwardedFor);
		}
		return request;
	}

}
