package dev.blueprint.chat.message.web;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.message.conversations.Conversation;
import dev.blueprint.chat.message.storage.ChatStore;
import dev.blueprint.chat.message.support.ChatIntegrationTest;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The REST API's share of Cassandra requests in flight
 * ({@code chat.storage.api-requests-in-flight}) at its edge, against the real servers:
 * with one slot free the API still answers (each request waits for it), with none it
 * refuses with 503 and {@code Retry-After} after {@code api-requests-wait} — while the
 * sequencer, which takes no slot, goes on storing messages on every partition. The test
 * holds the slots itself, as slow API calls would.
 */
class ApiStorageShareIntegrationTests extends ChatIntegrationTest {

	@Autowired
	private Bulkhead apiStoreRequests;

	@Autowired
	private ChatStore store;

	@Autowired
	private MeterRegistry meters;

	private int held;

	@AfterEach
	void releaseHeld() {
		release(this.held);
	}

	@Test
	@SuppressWarnings("unchecked")
	void withOneSlotFreeTheApiAnswersWithNoneItRefusesAndTheSequencerStoresRegardless() throws Exception {
		int share = this.apiStoreRequests.getBulkheadConfig().getMaxConcurrentCalls();
		Duration wait = this.apiStoreRequests.getBulkheadConfig().getMaxWaitDuration();
		String alice = unique("alice");
		String bob = unique("bob");
		// one conversation on each partition of the log, whichever instance sequences it
		List<UUID> conversations = onEveryPartition(alice, bob);
		assertThat(available()).isEqualTo(share);

		// One slot left: every request of the list (four per conversation) waits for it.
		hold(share - 1);
		AtomicInteger finished = new AtomicInteger();
		this.apiStoreRequests.getEventPublisher().onCallFinished((event) -> finished.incrementAndGet());
		HttpResponse<String> oneSlot = get(alice, "/api/v1/conversations");
		assertThat(finished.get()).as("requests that went through the share").isEqualTo(1 + 4 * conversations.size());
		assertThat(oneSlot.statusCode()).as(oneSlot.body()).isEqualTo(200);
		assertThat((List<String>) json(oneSlot, "$[*].id"))
			.containsExactlyInAnyOrderElementsOf(conversations.stream().map(UUID::toString).toList());
		assertThat(available()).isEqualTo(1);

		// None left: refused after the wait, as problem+json with Retry-After.
		hold(1);
		double refusedBefore = refused();
		long started = System.nanoTime();
		HttpResponse<String> none = get(alice, "/api/v1/conversations/" + conversations.get(0) + "/messages");
		long waitedMs = (System.nanoTime() - started) / 1_000_000;
		assertThat(none.statusCode()).as(none.body()).isEqualTo(503);
		assertThat(none.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(none.headers().firstValue("Retry-After")).hasValue("1");
		assertThat((String) json(none, "$.title")).isEqualTo("Storage busy");
		assertThat(waitedMs).isGreaterThanOrEqualTo(wait.toMillis());
		assertThat(refused()).isEqualTo(refusedBefore + 1);
		String group = "/api/v1/conversations/" + conversations.get(0);
		for (HttpResponse<String> refused : List.of(get(alice, "/api/v1/conversations"), get(alice, group),
				get(alice, group + "/receipts"), post(alice, group + "/members/" + unique("dave"), ""),
				post(alice, "/api/v1/conversations", "{\"type\":\"group\",\"members\":[\"" + bob + "\"]}"))) {
			assertThat(refused.statusCode()).as(refused.uri() + " " + refused.body()).isEqualTo(503);
			assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
		}

		// The sequencer takes no slot: messages sent now are stored on every partition.
		for (UUID conversation : conversations) {
			submit(conversation, alice, "c-1", "hello while the API is full");
		}
		for (UUID conversation : conversations) {
			assertThat(awaitEvents(conversation, 1, Duration.ofSeconds(30)).get(0)).isInstanceOfSatisfying(
					MessagePersisted.class, (persisted) -> assertThat(persisted.seq()).isEqualTo(1));
		}

		release(share);
		HttpResponse<String> history = get(bob, "/api/v1/conversations/" + conversations.get(0) + "/messages");
		assertThat(history.statusCode()).as(history.body()).isEqualTo(200);
		assertThat((List<String>) json(history, "$[*].body")).containsExactly("hello while the API is full");
		// Every request returned its slot, answered or refused.
		assertThat(available()).isEqualTo(share);
	}

	/**
	 * Group conversations of the two, with ids chosen so that one lies on each partition.
	 */
	private List<UUID> onEveryPartition(String alice, String bob) {
		int partitions = this.producer.partitionsFor(ChatTopics.SUBMITTED).size();
		Map<Integer, UUID> byPartition = new TreeMap<>();
		while (byPartition.size() < partitions) {
			UUID id = UUID.randomUUID();
			byte[] key = id.toString().getBytes(StandardCharsets.UTF_8);
			byPartition.putIfAbsent(Utils.toPositive(Utils.murmur2(key)) % partitions, id);
		}
		List<UUID> ids = new ArrayList<>(byPartition.values());
		for (UUID id : ids) {
			this.store.saveConversation(
					new Conversation(id, Conversation.GROUP, "share", alice, Instant.now(), List.of(alice, bob)));
		}
		return ids;
	}

	private void hold(int permits) {
		for (int i = 0; i < permits; i++) {
			this.apiStoreRequests.acquirePermission();
			this.held++;
		}
	}

	private void release(int permits) {
		for (int i = 0; i < permits; i++) {
			this.apiStoreRequests.onComplete();
			this.held--;
		}
	}

	private double available() {
		return this.meters.get("resilience4j.bulkhead.available.concurrent.calls")
			.tag("name", "chat-store-api")
			.gauge()
			.value();
	}

	private double refused() {
		return this.meters.get("blueprint.chat.store.api.refused").counter().count();
	}

}
