package dev.blueprint.chat.message;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.UUID;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import dev.blueprint.chat.message.storage.ChatSchema;
import dev.blueprint.testsupport.TestInfrastructure;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * The messages' bucket size is pinned once messages are stored: another size would read
 * their history from the wrong partitions. In a keyspace of its own, so that "no message
 * stored yet" is known; on the build's real Cassandra.
 */
class ChatSchemaIntegrationTests {

	private static final Duration SCHEMA = Duration.ofSeconds(30);

	@Test
	void theBucketSizeIsRecordedAndMayChangeOnlyWhileNoMessageIsStored() {
		String keyspace = "chat_schema_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		String[] contactPoint = TestInfrastructure.local().cassandraContactPoint().split(":");
		InetSocketAddress address = new InetSocketAddress(contactPoint[0], Integer.parseInt(contactPoint[1]));
		try (CqlSession admin = CqlSession.builder()
			.addContactPoint(address)
			.withLocalDatacenter("datacenter1")
			.build()) {
			admin.execute(SimpleStatement
				.newInstance("CREATE KEYSPACE " + keyspace
						+ " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
				.setTimeout(SCHEMA));
			try (CqlSession session = CqlSession.builder()
				.addContactPoint(address)
				.withLocalDatacenter("datacenter1")
				.withKeyspace(keyspace)
				.build()) {
				ChatSchema.migrate(session);
				ChatSchema.checkBucketSize(session, 100);
				assertThatNoException().as("the same size again")
					.isThrownBy(() -> ChatSchema.checkBucketSize(session, 100));
				assertThatNoException().as("another size while no message is stored")
					.isThrownBy(() -> ChatSchema.checkBucketSize(session, 200));

				session.execute("INSERT INTO messages (conversation_id, bucket, seq, body) VALUES (?, 0, 1, 'hi')",
						UUID.randomUUID());

				assertThatIllegalStateException().isThrownBy(() -> ChatSchema.checkBucketSize(session, 100))
					.withMessageContaining("chat.storage.bucket-size (CHAT_STORAGE_BUCKETSIZE) is 100")
					.withMessageContaining("buckets of 200");
				assertThatNoException().isThrownBy(() -> ChatSchema.checkBucketSize(session, 200));
			}
			finally {
				admin.execute(SimpleStatement.newInstance("DROP KEYSPACE IF EXISTS " + keyspace).setTimeout(SCHEMA));
			}
		}
	}

}
