package dev.blueprint.shortener;

import java.net.http.HttpResponse;
import java.time.Duration;

import dev.blueprint.shortener.support.ShortenerIntegrationTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The meters dashboards rely on exist in the Prometheus scrape, and none is tagged with a
 * code or a user (bounded cardinality).
 */
class MetricsIntegrationTests extends ShortenerIntegrationTest {

	@Test
	void shortenerMetricsAreScrapedWithBoundedTags() throws Exception {
		String code = create("https://example.com/metered");
		get("/" + code);
		get("/" + code);
		get("/no-such-link");

		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			HttpResponse<String> scrape = get("/actuator/prometheus");
			assertThat(scrape.statusCode()).isEqualTo(200);
			assertThat(scrape.body()).contains("blueprint_shortener_redirects_total{outcome=\"redirected\"",
					"blueprint_shortener_redirects_total{outcome=\"not_found\"",
					"blueprint_shortener_cache_lookups_total{layer=\"near\",result=\"hit\"",
					"blueprint_shortener_cache_lookups_total{layer=\"redis\",result=\"miss\"",
					"blueprint_shortener_cache_leases_total{outcome=\"loaded\"",
					"blueprint_shortener_store_reads_total",
					"blueprint_shortener_links_creates_total{kind=\"generated\",outcome=\"created\"",
					"blueprint_shortener_ids_leases_total", "blueprint_shortener_ids_remaining",
					"blueprint_shortener_clicks_flushed_total{to=\"redis\"",
					"blueprint_shortener_clicks_flushed_total{to=\"cassandra\"", "blueprint_shortener_clicks_pending",
					"blueprint_shortener_clicks_rolled_up_total",
					"blueprint_shortener_clicks_rollups_total{outcome=\"completed\"",
					"blueprint_shortener_cache_invalidations_pending",
					"blueprint_shortener_cache_invalidations_dropped_total{reason=\"overflow\"",
					"blueprint_shortener_clicks_flush_deferred_total", "resilience4j_circuitbreaker_state",
					"cache_gets_total{cache=\"shortener-near\"");
			assertThat(scrape.body()).doesNotContain(code);
		});
	}

}
