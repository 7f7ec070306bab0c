package dev.blueprint.ratelimit.client;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TrustedProxiesTests {

	@Test
	void anAddressTrustsItselfOnly() {
		TrustedProxies proxies = TrustedProxies.of(List.of("10.0.0.1", "::1"));
		assertThat(proxies.contains("10.0.0.1")).isTrue();
		assertThat(proxies.contains("10.0.0.2")).isFalse();
		assertThat(proxies.contains("0:0:0:0:0:0:0:1")).as("the same IPv6 address written out").isTrue();
	}

	@Test
	void aRangeTrustsEveryAddressInItAndNoneOutsideAtEitherEdge() {
		TrustedProxies proxies = TrustedProxies.of(List.of("10.244.0.0/16", "172.16.0.0/12", "fd00::/8"));
		assertThat(proxies.contains("10.244.0.0")).isTrue();
		assertThat(proxies.contains("10.244.255.255")).isTrue();
		assertThat(proxies.contains("10.245.0.0")).isFalse();
		assertThat(proxies.contains("10.243.255.255")).isFalse();
		// a prefix that is not a whole number of bytes: 172.16.0.0-172.31.255.255
		assertThat(proxies.contains("172.31.255.255")).isTrue();
		assertThat(proxies.contains("172.32.0.0")).isFalse();
		assertThat(proxies.contains("172.15.255.255")).isFalse();
		assertThat(proxies.contains("fd12:3456::1")).isTrue();
		assertThat(proxies.contains("fe80::1")).isFalse();
		assertThat(TrustedProxies.of(List.of("0.0.0.0/0")).contains("203.0.113.7")).as("every IPv4 address").isTrue();
		assertThat(TrustedProxies.of(List.of("0.0.0.0/0")).contains("::1")).as("not IPv6").isFalse();
	}

	@Test
	void aHostNameIsNeverTrustedNorLookedUp() {
		TrustedProxies proxies = TrustedProxies.of(List.of("127.0.0.0/8"));
		assertThat(proxies.contains("localhost")).isFalse();
		assertThat(proxies.contains("127.0.0.1.example.com")).isFalse();
		assertThat(proxies.contains("")).isFalse();
		assertThat(proxies.contains("unknown")).isFalse();
		assertThat(TrustedProxies.of(List.of()).contains("127.0.0.1")).isFalse();
	}

	@Test
	void aHopIsAnAddressInItsUsualFormWithoutAPortOrNothing() {
		assertThat(TrustedProxies.normalized(" 203.0.113.7 ")).isEqualTo("203.0.113.7");
		assertThat(TrustedProxies.normalized("203.0.113.7:4711")).isEqualTo("203.0.113.7");
		assertThat(TrustedProxies.normalized("[2001:db8::1]:443")).isEqualTo("2001:db8:0:0:0:0:0:1");
		assertThat(TrustedProxies.normalized("2001:DB8::1")).isEqualTo("2001:db8:0:0:0:0:0:1");
		// what the JDK would have handed to a name service: refused before it
		for (String notAnAddress : new String[] { "999.1.1.1", "1.2.3.256", ".:", "010.0.0.1", "1.2.3", "unknown",
				"localhost", "[localhost]:80", "x".repeat(300), "203.0.113.7:99999999", "g::1" }) {
			assertThat(TrustedProxies.normalized(notAnAddress)).as(notAnAddress).isNull();
		}
		assertThat(TrustedProxies.of(List.of("0.0.0.0/0")).contains("999.1.1.1")).isFalse();
	}

	@Test
	void anEntryThatIsNeitherAnAddressNorARangeIsRefusedNamingIt() {
		assertThatIllegalArgumentException().isThrownBy(() -> TrustedProxies.of(List.of("proxy.internal")))
			.withMessage("blueprint.ratelimit.client.trusted-proxies: 'proxy.internal' is neither an IP address "
					+ "nor a CIDR range");
		assertThatIllegalArgumentException().isThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/33")))
			.withMessage("blueprint.ratelimit.client.trusted-proxies: '10.0.0.0/33' has a prefix length outside 0-32");
		assertThatIllegalArgumentException().isThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/x")));
		assertThatIllegalArgumentException().isThrownBy(() -> TrustedProxies.of(List.of("fd00::/129")));
		assertThat(TrustedProxies.of(List.of(" ", "")).isEmpty()).isTrue();
	}

}
