package dev.blueprint.shortener.clicks;

import io.swagger.v3.oas.annotations.Hidden;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /_bench/click-rollup}: flushes this instance's clicks and runs a rollup now
 * (taking the rollup lock), so the benchmark can put exactly one rollup inside its
 * measured window. It drops the lock first, so it must not run beside a scheduled rollup
 * (the benchmark sets those to 1 h); calls are serialized. Off unless
 * {@code shortener.benchmark-endpoint=true}.
 */
@RestController
@Hidden
@ConditionalOnProperty(name = "shortener.benchmark-endpoint", havingValue = "true")
class ClickRollupBenchmarkController {

	private final ClickCounter counter;

	private final RedisClickBuffer buffer;

	ClickRollupBenchmarkController(ClickCounter counter, RedisClickBuffer buffer) {
		this.counter = counter;
		this.buffer = buffer;
	}

	@PostMapping("/_bench/click-rollup")
	synchronized ResponseEntity<String> rollUp() {
		this.counter.flush();
		this.buffer.releaseRollupLock();
		this.buffer.rollUp();
		return ResponseEntity.ok("rolled up\n");
	}

}
