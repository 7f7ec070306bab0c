package dev.blueprint.chat.message.sequencing;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import dev.blueprint.chat.contracts.ChatEvent.ConversationChanged;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.message.conversations.ConversationService.Announced;
import dev.blueprint.chat.message.conversations.ConversationService.MembershipEvents;
import dev.blueprint.platform.tracing.MessageTracing;
import dev.blueprint.platform.tracing.TracedRecords;
import org.apache.kafka.clients.producer.RecordMetadata;

import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

/**
 * Puts membership changes on the submissions topic, keyed by conversation like its
 * messages, for the {@link Sequencer} to apply in log order. Each is its own transaction
 * (the template is transactional) and is committed before the call returns, so a member
 * added over REST is in the log before any message they send next; a failure reaches the
 * caller (503, and the call can be repeated).
 */
public class KafkaMembershipEvents implements MembershipEvents {

	private final KafkaTemplate<String, String> kafka;

	private final ChatEventCodec codec;

	private final MessageTracing tracing;

	public KafkaMembershipEvents(KafkaTemplate<String, String> kafka, ChatEventCodec codec, MessageTracing tracing) {
		this.kafka = kafka;
		this.codec = codec;
		this.tracing = tracing;
	}

	@Override
	public Announced added(UUID conversationId, String userId, Instant at) {
		return send(ConversationChanged.added(conversationId, at, userId));
	}

	@Override
	public Announced removed(UUID conversationId, String userId, Instant at) {
		return send(ConversationChanged.removed(conversationId, at, userId));
	}

	private Announced send(ConversationChanged change) {
		// Committed when executeInTransaction returns, so the send has completed.
		CompletableFuture<SendResult<String, String>> sending = this.kafka
			.executeInTransaction((operations) -> operations.send(TracedRecords.of(this.tracing, ChatTopics.SUBMITTED,
					change.conversationId().toString(), this.codec.encode(change))));
		try {
			RecordMetadata sent = sending.join().getRecordMetadata();
			return new Announced(sent.partition(), sent.offset());
		}
		catch (CompletionException ex) {
			throw (ex.getCause() instanceof RuntimeException cause) ? cause : ex;
		}
	}

}
