/**
 * Auto-configuration shared by every Blueprint service: JWT bearer security with RFC 9457
 * errors, a Kafka health indicator and the Cassandra keyspace bootstrap.
 */
package dev.blueprint.platform;
