/**
 * What the chat services exchange. Kafka events are versioned past-tense records
 * ({@link dev.blueprint.chat.contracts.ChatEvent}); the last hop from
 * notification-service to a gateway is a
 * {@link dev.blueprint.chat.contracts.GatewayDelivery} on the gateway's Redis channel;
 * the {@link dev.blueprint.chat.contracts.SessionRegistry} maps users to the gateway
 * instances that hold their sessions.
 */
package dev.blueprint.chat.contracts;
