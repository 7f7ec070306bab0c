package dev.blueprint.shortener.ids;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.datastax.oss.driver.api.core.cql.Row;
import dev.blueprint.shortener.storage.CassandraIdBlockSource;
import dev.blueprint.shortener.support.ShortenerIntegrationTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class IdAllocationIntegrationTests extends ShortenerIntegrationTest {

	@Test
	void twoAllocatorsInParallelNeverIssueTheSameIdAcross100kIds() throws Exception {
		String counter = unique("it-counter");
		ExecutorService prefetch = Executors.newFixedThreadPool(2);
		ExecutorService callers = Executors.newFixedThreadPool(2);
		try {
			// small blocks so the two allocators race for the counter about 100 times
			IdAllocator first = new IdAllocator(new CassandraIdBlockSource(this.session, counter), 1_000, 500,
					prefetch);
			IdAllocator second = new IdAllocator(new CassandraIdBlockSource(this.session, counter), 1_000, 500,
					prefetch);
			Set<Long> issued = ConcurrentHashMap.newKeySet();
			List<Future<Integer>> duplicates = new ArrayList<>();
			for (IdAllocator allocator : List.of(first, second)) {
				duplicates.add(callers.submit(() -> {
					int clashes = 0;
					for (int i = 0; i < 50_000; i++) {
						if (!issued.add(allocator.nextId())) {
							clashes++;
						}
					}
					return clashes;
				}));
			}
			assertThat(duplicates.get(0).get() + duplicates.get(1).get()).isZero();
			assertThat(issued).hasSize(100_000);
			Row row = this.session.execute("SELECT next_id FROM id_counters WHERE name = ?", counter).one();
			// every issued ID lies below the counter; at most the two prefetched blocks
			// beyond the 100 consumed are leased but unused
			assertThat(issued.stream().mapToLong(Long::longValue).max().orElseThrow()).isLessThan(row.getLong(0));
			assertThat(row.getLong(0)).isBetween(100_000L, 104_000L);
		}
		finally {
			prefetch.shutdownNow();
			callers.shutdownNow();
		}
	}

	@Test
	void aCounterWithoutARowIsRefusedOverExistingLinks() throws Exception {
		create("https://example.com/issued-by-the-old-counter");
		String renamed = unique("renamed-counter");
		CassandraIdBlockSource source = new CassandraIdBlockSource(this.session, renamed);

		assertThatIllegalStateException().isThrownBy(() -> source.requireCounterOrNoLinks(false))
			.withMessageStartingWith("The ID counter '" + renamed + "' has no row in id_counters, but links exist")
			.withMessageContaining("shortener.ids.allow-new-counter=true");
		assertThat(this.session.execute("SELECT next_id FROM id_counters WHERE name = ?", renamed).one())
			.as("nothing created")
			.isNull();
		// the service's own counter got its row when the application started
		new CassandraIdBlockSource(this.session, "links").requireCounterOrNoLinks(false);
	}

	@Test
	void aCounterAllowedOverAliasesGetsItsRowAtOnceAndStartsAtZero() throws Exception {
		create("https://example.com/any-link");
		String aliasesOnly = unique("aliases-only-counter");
		CassandraIdBlockSource source = new CassandraIdBlockSource(this.session, aliasesOnly);

		source.requireCounterOrNoLinks(true);

		assertThat(this.session.execute("SELECT next_id FROM id_counters WHERE name = ?", aliasesOnly).one().getLong(0))
			.isZero();
		// from now on it has its row: no override needed
		source.requireCounterOrNoLinks(false);
		assertThat(source.lease(10)).isEqualTo(new IdBlock(0, 10));
	}

	@Test
	void leasesConsecutiveBlocksFromTheCounter() {
		CassandraIdBlockSource source = new CassandraIdBlockSource(this.session, unique("it-counter"));
		assertThat(source.lease(10_000)).isEqualTo(new IdBlock(0, 10_000));
		assertThat(source.lease(10_000)).isEqualTo(new IdBlock(10_000, 20_000));
	}

}
