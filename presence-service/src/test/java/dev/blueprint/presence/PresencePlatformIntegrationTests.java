package dev.blueprint.presence;

import dev.blueprint.platform.test.PlatformContractIntegrationTests;
import dev.blueprint.testsupport.RealInfrastructure;

@RealInfrastructure
class PresencePlatformIntegrationTests extends PlatformContractIntegrationTests {

	PresencePlatformIntegrationTests() {
		super("redis");
	}

}
