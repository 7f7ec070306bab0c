package dev.blueprint.platform.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Reports Kafka UP when the cluster answers a {@code describeCluster} request within the
 * timeout, with its id, node count and controller; DOWN otherwise.
 * <p>
 * One {@link Admin} client is reused while the cluster answers, so a check costs one
 * request rather than a new connection. After a failed check the client is closed and the
 * next check starts a fresh one: with no broker reachable, the Kafka 4.2 admin client's
 * default {@code metadata.recovery.strategy=rebootstrap} spins in a loop logging
 * thousands of "Rebootstrapping" lines a second, so this client also opts out of it.
 */
public class KafkaClusterHealthIndicator extends AbstractHealthIndicator implements DisposableBean {

	private final Supplier<Admin> adminFactory;

	private final Duration timeout;

	private Admin admin;

	public KafkaClusterHealthIndicator(Map<String, Object> adminConfiguration, Duration timeout) {
		this(() -> Admin.create(healthCheckConfiguration(adminConfiguration)), timeout);
	}

	KafkaClusterHealthIndicator(Supplier<Admin> adminFactory, Duration timeout) {
		super("Kafka health check failed");
		this.adminFactory = adminFactory;
		this.timeout = timeout;
	}

	private static Map<String, Object> healthCheckConfiguration(Map<String, Object> adminConfiguration) {
		Map<String, Object> configuration = new HashMap<>(adminConfiguration);
		configuration.put(CommonClientConfigs.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
		return configuration;
	}

	@Override
	protected synchronized void doHealthCheck(Health.Builder builder) throws Exception {
		try {
			describeCluster(builder);
		}
		catch (Exception ex) {
			closeAdmin(Duration.ZERO);
			if (!isTimeout(ex)) {
				throw ex;
			}
			builder.down().withDetail("error", "No answer from the cluster within " + this.timeout.toMillis() + " ms");
		}
	}

	private static boolean isTimeout(Exception ex) {
		return ex instanceof TimeoutException || (ex instanceof ExecutionException
				&& ex.getCause() instanceof org.apache.kafka.common.errors.TimeoutException);
	}

	private void describeCluster(Health.Builder builder) throws Exception {
		if (this.admin == null) {
			this.admin = this.adminFactory.get();
		}
		DescribeClusterResult cluster = this.admin
			.describeCluster(new DescribeClusterOptions().timeoutMs((int) this.timeout.toMillis()));
		KafkaFuture.allOf(cluster.clusterId(), cluster.nodes(), cluster.controller())
			.get(this.timeout.toMillis(), TimeUnit.MILLISECONDS);
		Collection<Node> nodes = cluster.nodes().get();
		Node controller = cluster.controller().get();
		builder.up()
			.withDetail("clusterId", cluster.clusterId().get())
			.withDetail("nodes", nodes.size())
			.withDetail("controller", (controller != null) ? controller.host() + ":" + controller.port() : "none");
	}

	private void closeAdmin(Duration closeTimeout) {
		if (this.admin != null) {
			this.admin.close(closeTimeout);
			this.admin = null;
		}
	}

	@Override
	public synchronized void destroy() {
		closeAdmin(this.timeout);
	}

}
