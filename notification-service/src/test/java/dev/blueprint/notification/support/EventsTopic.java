package dev.blueprint.notification.support;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.testsupport.TestInfrastructure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * chat-message-service declares the events topic this service consumes; a test that runs
 * without it in the build (this module alone, or before chat-message-service's tests)
 * declares it the same way (6 partitions), or its first publish waits for metadata until
 * it times out.
 */
public final class EventsTopic {

	private EventsTopic() {
	}

	/** Creates {@link ChatTopics#EVENTS} unless it exists. */
	public static void declare() {
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
				TestInfrastructure.local().kafkaBootstrapServers()))) {
			admin.createTopics(List.of(new NewTopic(ChatTopics.EVENTS, 6, (short) 1))).all().get(30, TimeUnit.SECONDS);
		}
		catch (ExecutionException ex) {
			if (!(ex.getCause() instanceof TopicExistsException)) {
				throw new IllegalStateException(ex);
			}
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
