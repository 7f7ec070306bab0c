package dev.blueprint.shortener.links;

/**
 * One invalid field of a request.
 *
 * @param field JSON name of the field
 * @param message what is wrong with it
 */
public record FieldViolation(String field, String message) {
}
