package dev.blueprint.presence.core;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class QueryPolicyTests {

	@Test
	void aCallerSeesItselfAndItsContactsOnly() {
		assertThat(QueryPolicy.refused("alice", Set.of("bob"), List.of("alice", "bob"))).isEmpty();
		assertThat(QueryPolicy.refused("alice", Set.of("bob"), List.of("carol", "bob", "dave", "carol")))
			.containsExactly("carol", "dave");
	}

	@Test
	void userIdsFollowChatMessageServicesRules() {
		assertThat(QueryPolicy.validUserId("alice.smith@example-1_x")).isTrue();
		assertThat(QueryPolicy.validUserId("a".repeat(128))).isTrue();
		assertThat(QueryPolicy.validUserId("a".repeat(129))).isFalse();
		assertThat(QueryPolicy.validUserId("")).isFalse();
		assertThat(QueryPolicy.validUserId("bob smith")).isFalse();
		assertThat(QueryPolicy.validUserId("bob|x")).isFalse();
		assertThat(QueryPolicy.validUserId(null)).isFalse();
	}

}
