package dev.blueprint.ratelimit.client;

import java.util.List;
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
	void aProxyInATrustedRangeIsBelievedAndTheClosestUntrustedHopIsTheClient() {
		SubjectResolver ranges = new SubjectResolver(TrustedProxies.of(List.of("10.244.0.0/16")));
		// the client, a proxy outside the cluster, the ingress pod
		MockHttpServletRequest request = request("10.244.3.17", "198.51.100.4, 203.0.113.7, 10.244.1.2");
		assertThat(ranges.resolve(request, Subject.IP, null)).isEqualTo("ip:203.0.113.7");
		assertThat(ranges.resolve(request("10.245.0.1", "198.51.100.4"), Subject.IP, null))
			.as("a peer outside the range is the client itself")
			.isEqualTo("ip:10.245.0.1");
	}

	@Test
	void aHopThatIsNoAddressStopsTheWalkAtTheNearestTrustedOneAndAPortIsDropped() {
		SubjectResolver ranges = new SubjectResolver(TrustedProxies.of(List.of("10.244.0.0/16")));
		assertThat(ranges.resolve(request("10.244.3.17", "203.0.113.7:4711"), Subject.IP, null))
			.isEqualTo("ip:203.0.113.7");
		// a client writing a long value, or a name, to escape its budget or grow a key
		assertThat(ranges.resolve(request("10.244.3.17", "x".repeat(300) + ", 10.244.1.2"), Subject.IP, null))
			.isEqualTo("ip:10.244.1.2");
		assertThat(ranges.resolve(request("10.244.3.17", "evil.example.com"), Subject.IP, null))
			.isEqualTo("ip:10.244.3.17");
		assertThat(ranges.resolve(request("10.244.3.17", "[2001:db8::1]:443"), Subject.IP, null))
			.isEqualTo("ip:2001:db8:0:0:0:0:0:1");
	}

	@Test
	void readsAHeader() {
		MockHttpServletRequest request = request("198.51.100.9", null);
		request.addHeader("X-Api-Key", "k-123");
		assertThat(this.resolver.resolve(request, Subject.HEADER, "X-Api-Key")).isEqualTo("header:k-123");
	}

	@Test
	void readsEveryForwardedForLine() {
		// A proxy that adds its own line instead of appending: the client's line comes
		// first, and getHeader alone would return the address the client chose.
		MockHttpServletRequest request = request("10.0.0.1", "1.2.3.4");
		request.addHeader("X-Forwarded-For", "203.0.113.7");
		assertThat(this.resolver.resolve(request, Subject.IP, null)).isEqualTo("ip:203.0.113.7");
	}

	@Test
	void aRequestWithoutTheHeaderIsLimitedByItsIp() {
		MockHttpServletRequest request = request("198.51.100.9", null);
		assertThat(this.resolver.resolve(request, Subject.HEADER, "X-Api-Key")).isEqualTo("ip:198.51.100.9");
		request.addHeader("X-Api-Key", " ");
		assertThat(this.resolver.resolve(request, Subject.HEADER, "X-Api-Key")).isEqualTo("ip:198.51.100.9");
	}

	@Test
	void aSubjectOver256CharactersIsHashed() {
		MockHttpServletRequest request = request("198.51.100.9", null);
		String longest = "k".repeat(256 - "header:".length());
		request.addHeader("X-Api-Key", longest);
		assertThat(this.resolver.resolve(request, Subject.HEADER, "X-Api-Key")).isEqualTo("header:" + longest);

		MockHttpServletRequest longer = request("198.51.100.9", null);
		longer.addHeader("X-Api-Key", longest + "k");
		String hashed = this.resolver.resolve(longer, Subject.HEADER, "X-Api-Key");
		assertThat(hashed).startsWith("header:sha256:").hasSize("header:sha256:".length() + 64);
		MockHttpServletRequest other = request("198.51.100.9", null);
		other.addHeader("X-Api-Key", longest + "j");
		assertThat(this.resolver.resolve(other, Subject.HEADER, "X-Api-Key")).isNotEqualTo(hashed);

		MockHttpServletRequest user = request("198.51.100.9", null);
		user.setUserPrincipal(() -> "u".repeat(300));
		assertThat(this.resolver.resolve(user, Subject.USER, null)).startsWith("user:sha256:").hasSize(76);
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
