package dev.blueprint.bench.chat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StackCpuTests {

	@Test
	void theStacksTotalLeavesTheGeneratorOut() {
		Map<String, Double> millis = new LinkedHashMap<>();
		millis.put("kafka", 0.73);
		millis.put("generator", 0.22);
		millis.put("gateway", 0.59);

		assertThat(StackCpu.format(millis))
			.isEqualTo("kafka 0.73, generator 0.22, gateway 0.59, stack 1.32, with generator 1.54");
	}

}
