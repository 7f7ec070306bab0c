package dev.blueprint.ratelimit;

import java.util.List;

import dev.blueprint.platform.test.PlatformContractIntegrationTests;
import dev.blueprint.testsupport.RealInfrastructure;

@RealInfrastructure
class RateLimiterPlatformIntegrationTests extends PlatformContractIntegrationTests {

	RateLimiterPlatformIntegrationTests() {
		super("redis");
	}

	/**
	 * Ready while Redis is down: rules decide by their failure policy (DEGRADED, HTTP
	 * 200).
	 */
	@Override
	protected List<String> readinessComponents() {
		return List.of("rateLimiter");
	}

}
