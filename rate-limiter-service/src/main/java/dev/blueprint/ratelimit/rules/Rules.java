package dev.blueprint.ratelimit.rules;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import dev.blueprint.ratelimit.core.rules.RuleBook;
import dev.blueprint.ratelimit.core.rules.RuleSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules in force: those of the configuration (version 0) until an administrator
 * replaces them at runtime. A replacement is validated as a whole before it takes effect.
 */
public class Rules {

	private static final Logger logger = LoggerFactory.getLogger(Rules.class);

	private final List<RuleSpec> configured;

	private final AtomicReference<Active> active;

	private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

	public Rules(List<RuleSpec> configured) {
		this.configured = List.copyOf(configured);
		this.active = new AtomicReference<>(new Active(0, this.configured, RuleBook.of(this.configured)));
	}

	public RuleBook current() {
		return this.active.get().book();
	}

	public List<RuleSpec> specs() {
		return this.active.get().specs();
	}

	/** 0 for the configured rules, else the version stored in Redis. */
	public long version() {
		return this.active.get().version();
	}

	/**
	 * Puts runtime rules in force.
	 * @throws dev.blueprint.ratelimit.core.rules.InvalidRuleException if any rule is
	 * invalid; the rules in force are then unchanged
	 */
	public void apply(long version, List<RuleSpec> specs) {
		change(new Active(version, List.copyOf(specs), RuleBook.of(specs)));
	}

	/**
	 * Runs {@code listener} after each change of the rules in force from now on, on the
	 * thread that made it (two changes at once may run it in either order: read
	 * {@link #current()}).
	 */
	public void onChange(Runnable listener) {
		this.listeners.add(listener);
	}

	/**
	 * Whether these runtime rules, under this version, are the ones in force. The rules
	 * are compared too: a Redis that restarted without its data numbers changes from 1
	 * again, so a new rule set can come with the version of the one in force.
	 */
	public boolean inForce(long version, List<RuleSpec> specs) {
		Active active = this.active.get();
		return active.version() == version && active.specs().equals(specs);
	}

	/** Back to the configured rules (runtime rules were deleted). */
	public void revertToConfigured() {
		change(new Active(0, this.configured, RuleBook.of(this.configured)));
	}

	private void change(Active next) {
		this.active.set(next);
		for (Runnable listener : this.listeners) {
			try {
				listener.run();
			}
			catch (RuntimeException ex) {
				// the rules are in force all the same; the other listeners are told
				logger.warn("A listener of rule changes failed: {}", ex.toString());
			}
		}
	}

	private record Active(long version, List<RuleSpec> specs, RuleBook book) {

	}

}
