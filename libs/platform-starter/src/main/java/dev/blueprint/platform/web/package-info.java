/**
 * RFC 9457 problem documents shared by the services' REST APIs.
 */
package dev.blueprint.platform.web;
