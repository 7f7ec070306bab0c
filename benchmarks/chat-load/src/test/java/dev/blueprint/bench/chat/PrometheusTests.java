package dev.blueprint.bench.chat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PrometheusTests {

	private static final String PRODUCER = "{client_id=\"chat-message-service-producer-1\"}";

	@Test
	void transactionsSplitTheSequencerCycleIntoListenerOffsetsAndCommit() {
		Map<String, Double> before = Map.of("blueprint_chat_sequencer_batch_seconds_count", 100.0,
				"blueprint_chat_sequencer_batch_seconds_sum", 1.0,
				"kafka_producer_txn_send_offsets_time_ns_total" + PRODUCER, 1e9,
				"kafka_producer_txn_commit_time_ns_total" + PRODUCER, 5e8);
		Map<String, Double> after = Map.of("blueprint_chat_sequencer_batch_seconds_count", 700.0,
				"blueprint_chat_sequencer_batch_seconds_sum", 7.0,
				"kafka_producer_txn_send_offsets_time_ns_total" + PRODUCER, 1e9 + 600 * 9.5e6,
				"kafka_producer_txn_commit_time_ns_total" + PRODUCER, 5e8 + 600 * 6.25e6);

		assertThat(Prometheus.transactions(before, after, 60))
			.hasValue("sequencer transactions: 600 (10/s); per transaction: listener 10.0 ms + "
					+ "sendOffsetsToTransaction 9.5 ms + commitTransaction 6.3 ms = 25.8 ms");
	}

	@Test
	void noLineWithoutTransactions() {
		Map<String, Double> gateway = Map.of("blueprint_chat_pipeline_latency_seconds_count{stage=\"delivered\"}", 10.0,
				"kafka_producer_txn_commit_time_ns_total{client_id=\"chat-gateway-producer-1\"}", 0.0);

		assertThat(Prometheus.transactions(gateway, gateway, 60)).isEmpty();
	}

	@Test
	void theLastHopCountsPublishesAndTheDeliveriesTheyCarried() {
		Map<String, Double> before = Map.of("blueprint_chat_delivery_publishes_total", 10.0,
				"blueprint_chat_deliveries_total{kind=\"message\"}", 20.0,
				"blueprint_chat_deliveries_total{kind=\"ack\"}", 10.0);
		Map<String, Double> after = Map.of("blueprint_chat_delivery_publishes_total", 1210.0,
				"blueprint_chat_deliveries_total{kind=\"message\"}", 6020.0,
				"blueprint_chat_deliveries_total{kind=\"ack\"}", 3010.0);

		assertThat(Prometheus.lastHop(before, after, 60))
			.hasValue("last hop: 1200 Redis publishes (20/s) carrying 9000 deliveries, 7.5 per publish");
		assertThat(Prometheus.lastHop(after, after, 60)).isEmpty();
	}

}
