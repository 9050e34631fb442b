package io.agentmesh.infra.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything the simulator does for one model name: latency, faults, and how it picks replies.
 *
 * <p>Replies: the first {@link Rule} that matches wins; otherwise {@link #defaultReply} (where
 * {@code {{lastUser}}}, {@code {{lastMessage}}} and {@code {{model}}} are replaced), or, when that
 * is null, a text generated from the seed, the request's {@code seed} and its messages, so the
 * same request always gets the same reply.
 *
 * @param name         the model name clients send in {@code model}
 * @param latency      the delay before the first token
 * @param faults       fault rates
 * @param seed         seeds the fault and latency draws and the generated replies
 * @param rules        the script, tried in order
 * @param defaultReply the reply when no rule matches; null for a generated one
 * @param chunkDelay   the delay between streamed chunks (also added per chunk to non-streamed replies)
 */
public record ModelBehaviour(String name, Latency latency, Faults faults, long seed, List<Rule> rules,
                             String defaultReply, Duration chunkDelay) {

    /** The model served when nothing else is configured. */
    public static final String DEFAULT_MODEL = "sim-default";

    public ModelBehaviour {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank, got '" + name + "'");
        }
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(faults, "faults");
        rules = List.copyOf(Objects.requireNonNull(rules, "rules"));
        Objects.requireNonNull(chunkDelay, "chunkDelay");
        if (chunkDelay.isNegative()) {
            throw new IllegalArgumentException("chunkDelay must not be negative, got " + chunkDelay);
        }
    }

    /** A builder for a model named {@code name}: no latency, no faults, seed 0, no rules, generated replies. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The default model: no latency, no faults, replies {@code echo: <last message>}. */
    public static ModelBehaviour simDefault() {
        return builder(DEFAULT_MODEL).defaultReply("echo: {{lastMessage}}").build();
    }

    /** A builder preset with this behaviour, to change a part of it. */
    public Builder toBuilder() {
        return new Builder(name).latency(latency).faults(faults).seed(seed).rules(rules)
                .defaultReply(defaultReply).chunkDelay(chunkDelay);
    }

    /** Builds a {@link ModelBehaviour}; every setting is optional except the name. */
    public static final class Builder {
        private final String name;
        private Latency latency = Latency.none();
        private Faults faults = Faults.none();
        private long seed;
        private final List<Rule> rules = new ArrayList<>();
        private String defaultReply;
        private Duration chunkDelay = Duration.ZERO;

        private Builder(String name) {
            this.name = name;
        }

        public Builder latency(Latency value) {
            this.latency = value;
            return this;
        }

        public Builder faults(Faults value) {
            this.faults = value;
            return this;
        }

        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** Appends one rule to the script. */
        public Builder rule(Rule value) {
            rules.add(Objects.requireNonNull(value, "rule"));
            return this;
        }

        /** Replaces the script. */
        public Builder rules(List<Rule> value) {
            rules.clear();
            rules.addAll(value);
            return this;
        }

        /** The reply when no rule matches; null for a seeded, generated one. */
        public Builder defaultReply(String value) {
            this.defaultReply = value;
            return this;
        }

        public Builder chunkDelay(Duration value) {
            this.chunkDelay = value;
            return this;
        }

        public ModelBehaviour build() {
            return new ModelBehaviour(name, latency, faults, seed, rules, defaultReply, chunkDelay);
        }
    }
}
