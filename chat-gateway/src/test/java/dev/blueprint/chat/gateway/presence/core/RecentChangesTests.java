package dev.blueprint.chat.gateway.presence.core;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RecentChangesTests {

	@Test
	void namesTheUsersWhoseLatestChangeCameInTheWindow() {
		RecentChanges recent = new RecentChanges(10);
		recent.changed("before", 99);
		recent.changed("first", 100);
		recent.changed("inside", 150);
		recent.changed("atTheEnd", 200);
		assertThat(recent.changedBetween(List.of("before", "first", "inside", "atTheEnd", "never"), 100, 200))
			.containsExactlyInAnyOrder("first", "inside");
	}

	@Test
	void onlyTheLatestChangeOfAUserCounts() {
		RecentChanges recent = new RecentChanges(10);
		recent.changed("bob", 150);
		recent.changed("bob", 250);
		assertThat(recent.changedBetween(List.of("bob"), 100, 200)).as("pushed at 250, after the window").isEmpty();
		assertThat(recent.size()).isOne();
	}

	@Test
	void namesEveryUserWhenAChangeInTheWindowMayHaveBeenForgotten() {
		RecentChanges recent = new RecentChanges(2);
		recent.changed("a", 100);
		recent.changed("b", 110);
		recent.changed("c", 120);
		assertThat(recent.size()).isEqualTo(2);
		assertThat(recent.changedBetween(List.of("b", "z"), 101, 200)).as("a's change at 100 forgotten: before 101")
			.containsExactly("b");
		assertThat(recent.changedBetween(List.of("b", "z"), 100, 200)).as("a's change at 100 forgotten")
			.isEqualTo(Set.of("b", "z"));
	}

	@Test
	void aChangedUserMovesToTheNewEndAndIsForgottenLast() {
		RecentChanges recent = new RecentChanges(2);
		recent.changed("a", 100);
		recent.changed("b", 110);
		recent.changed("a", 120);
		recent.changed("c", 130);
		assertThat(recent.changedBetween(List.of("a", "c"), 111, 200)).as("b forgotten, at 110")
			.containsExactlyInAnyOrder("a", "c");
	}

	@Test
	void comparesTimesAcrossTheNanoTimeOverflow() {
		RecentChanges recent = new RecentChanges(10);
		recent.changed("bob", Long.MIN_VALUE + 5);
		assertThat(recent.changedBetween(List.of("bob"), Long.MAX_VALUE - 5, Long.MIN_VALUE + 10))
			.containsExactly("bob");
	}

	@Test
	void remembersAtLeastOneUser() {
		assertThatIllegalArgumentException().isThrownBy(() -> new RecentChanges(0));
	}

}
