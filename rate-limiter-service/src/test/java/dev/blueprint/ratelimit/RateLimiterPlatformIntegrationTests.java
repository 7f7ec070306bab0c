package dev.blueprint.ratelimit;

import dev.blueprint.platform.test.PlatformContractIntegrationTests;
import dev.blueprint.testsupport.RealInfrastructure;

@RealInfrastructure
class RateLimiterPlatformIntegrationTests extends PlatformContractIntegrationTests {

	RateLimiterPlatformIntegrationTests() {
		super("redis");
	}

}
