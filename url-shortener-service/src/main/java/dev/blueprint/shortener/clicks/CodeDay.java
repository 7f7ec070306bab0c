package dev.blueprint.shortener.clicks;

import java.time.LocalDate;

/**
 * One link's clicks on one UTC day: the unit clicks are counted, buffered and stored in.
 *
 * @param code the link's code
 * @param day the UTC day
 */
public record CodeDay(String code, LocalDate day) {

	/** The Redis hash field of this code-day: codes never hold ':'. */
	String field() {
		return this.code + ':' + this.day.toEpochDay();
	}

	static CodeDay ofField(String field) {
		int separator = field.lastIndexOf(':');
		return new CodeDay(field.substring(0, separator),
				LocalDate.ofEpochDay(Long.parseLong(field.substring(separator + 1))));
	}

}
