package dev.blueprint.shortener.links;

import java.net.URI;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The created link's {@code Location} is relative to the URL the client posted to, so it
 * resolves to the client's address behind a proxy, with or without a path prefix the
 * proxy strips.
 */
class LinkLocationTests {

	@Test
	void resolvesAgainstTheAddressTheClientUsed() {
		URI location = LinkController.locationOf("/api/v1/urls", "q3XvT0b");
		assertThat(location).hasToString("urls/q3XvT0b");
		assertThat(URI.create("https://sho.rt/api/v1/urls").resolve(location))
			.isEqualTo(URI.create("https://sho.rt/api/v1/urls/q3XvT0b"));
		assertThat(URI.create("https://example.com/shortener/api/v1/urls").resolve(location))
			.as("a prefix the proxy strips stays")
			.isEqualTo(URI.create("https://example.com/shortener/api/v1/urls/q3XvT0b"));
	}

	@Test
	void aTrailingSlashIsTheCollectionItself() {
		URI location = LinkController.locationOf("/api/v1/urls/", "my-alias");
		assertThat(URI.create("https://sho.rt/api/v1/urls/").resolve(location))
			.isEqualTo(URI.create("https://sho.rt/api/v1/urls/my-alias"));
	}

}
