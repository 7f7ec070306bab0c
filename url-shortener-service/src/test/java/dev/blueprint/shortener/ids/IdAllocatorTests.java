package dev.blueprint.shortener.ids;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class IdAllocatorTests {

	private static final Executor DIRECT = Runnable::run;

	@Test
	void leasedBlockCoversSizeIdsFromTheCounter() {
		assertThat(IdBlock.leasedAt(0, 10_000, Base62.SPACE)).isEqualTo(new IdBlock(0, 10_000));
		assertThat(IdBlock.leasedAt(20_000, 10_000, Base62.SPACE).size()).isEqualTo(10_000);
	}

	@Test
	void lastBlockIsCutAtTheEndOfTheSpace() {
		assertThat(IdBlock.leasedAt(95, 10, 100)).isEqualTo(new IdBlock(95, 100));
		assertThatExceptionOfType(IdSpaceExhaustedException.class).isThrownBy(() -> IdBlock.leasedAt(100, 10, 100));
	}

	@Test
	void servesEveryIdOfConsecutiveBlocksOnce() {
		FakeCounter counter = new FakeCounter();
		IdAllocator allocator = new IdAllocator(counter, 100, 20, DIRECT);
		List<Long> ids = new ArrayList<>();
		for (int i = 0; i < 1_000; i++) {
			ids.add(allocator.nextId());
		}
		assertThat(ids).containsExactlyElementsOf(() -> java.util.stream.LongStream.range(0, 1_000).iterator());
		// ten blocks served, the eleventh leased ahead of need
		assertThat(counter.leases.get()).isEqualTo(11);
	}

	@Test
	void leasesTheNextBlockWhenTheThresholdIsReachedNotWhenTheBlockRunsOut() {
		FakeCounter counter = new FakeCounter();
		IdAllocator allocator = new IdAllocator(counter, 100, 20, DIRECT);
		for (int i = 0; i < 79; i++) {
			allocator.nextId();
		}
		assertThat(counter.leases.get()).isEqualTo(1);
		allocator.nextId();
		// 20 left: the prefetch starts now, while 20 IDs remain to serve
		assertThat(counter.leases.get()).isEqualTo(2);
		assertThat(allocator.remaining()).isEqualTo(20);
	}

	@Test
	void hotPathDoesNotWaitForAPrefetchThatIsStillRunning() throws Exception {
		FakeCounter counter = new FakeCounter();
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger started = new AtomicInteger();
		Executor slow = (task) -> {
			if (started.incrementAndGet() == 1) {
				task.run();
				return;
			}
			new Thread(() -> {
				try {
					release.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				task.run();
			}).start();
		};
		IdAllocator allocator = new IdAllocator(counter, 100, 50, slow);
		for (int i = 0; i < 99; i++) {
			allocator.nextId();
		}
		// the prefetch of block two has been pending since ID 50; serving went on
		assertThat(counter.leases.get()).isEqualTo(1);
		release.countDown();
		assertThat(allocator.nextId()).isEqualTo(99);
		assertThat(allocator.nextId()).isEqualTo(100);
	}

	@Test
	void failedLeaseIsRetriedByTheNextCaller() {
		FakeCounter counter = new FakeCounter();
		counter.failuresLeft.set(1);
		IdAllocator allocator = new IdAllocator(counter, 10, 2, DIRECT);
		assertThatIllegalStateException().isThrownBy(allocator::nextId);
		assertThat(allocator.nextId()).isZero();
	}

	@Test
	void concurrentCallersNeverGetTheSameId() throws Exception {
		FakeCounter counter = new FakeCounter();
		IdAllocator allocator = new IdAllocator(counter, 1_000, 200, Runnable::run);
		Set<Long> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
		List<Thread> threads = new ArrayList<>();
		for (int t = 0; t < 4; t++) {
			threads.add(new Thread(() -> {
				for (int i = 0; i < 25_000; i++) {
					ids.add(allocator.nextId());
				}
			}));
		}
		threads.forEach(Thread::start);
		for (Thread thread : threads) {
			thread.join();
		}
		assertThat(ids).hasSize(100_000);
		assertThat(new HashSet<>(ids)).allMatch((id) -> id < counter.value.get());
	}

	static final class FakeCounter implements IdBlockSource {

		final AtomicLong value = new AtomicLong();

		final AtomicInteger leases = new AtomicInteger();

		final AtomicInteger failuresLeft = new AtomicInteger();

		@Override
		public IdBlock lease(int size) {
			if (this.failuresLeft.getAndDecrement() > 0) {
				throw new IllegalStateException("counter unavailable");
			}
			this.leases.incrementAndGet();
			long start = this.value.getAndAdd(size);
			return IdBlock.leasedAt(start, size, Base62.SPACE);
		}

	}

}
