package dev.blueprint.notification.push;

import java.net.URI;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class PushConfigurationTests {

	@Test
	void theWebhookUrlIsAnHttpOrHttpsUrlWithAHost() {
		assertThat(PushConfiguration.webhookUrl(" http://push-gateway:8080/v1/push "))
			.isEqualTo(URI.create("http://push-gateway:8080/v1/push"));
		assertThat(PushConfiguration.webhookUrl("HTTPS://push.example/v1")).hasHost("push.example");
	}

	@Test
	void aWebhookUrlThatIsNoneIsRefusedAtStartUpNamingTheSetting() {
		for (String url : new String[] { "push-gateway.push.svc:8080/v1/push", "/v1/push", "ftp://push/v1",
				"http:///v1/push", "http://push gateway/v1" }) {
			assertThatIllegalStateException().as(url)
				.isThrownBy(() -> PushConfiguration.webhookUrl(url))
				.withMessageContaining("NOTIFICATION_PUSH_WEBHOOK_URL")
				.withMessageContaining(url);
		}
		assertThatIllegalStateException().isThrownBy(() -> PushConfiguration.webhookUrl(" "))
			.withMessageContaining("NOTIFICATION_PUSH_PROVIDER=log");
	}

}
