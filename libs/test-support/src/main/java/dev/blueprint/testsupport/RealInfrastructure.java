package dev.blueprint.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Connects a Spring test context to real Redis, Kafka and Cassandra servers.
 * <p>
 * By default these are the local launcher's servers (infra/local), started once per build
 * on their own ports (the default ports +
 * {@value dev.blueprint.local.StackSettings#TEST_PORT_OFFSET}, so a developer stack from
 * {@code ./suite up} is never touched) and stopped when the Maven build exits. With
 * {@code -Dinfra=docker} they are Testcontainers containers wired through
 * {@code @ServiceConnection} instead (needs a Docker engine).
 * <p>
 * Either way the context gets {@code spring.data.redis.*},
 * {@code spring.kafka.bootstrap-servers}, {@code spring.cassandra.contact-points} /
 * {@code local-datacenter} and the JWT key that {@link TestTokens} signs with.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface RealInfrastructure {

}
