package io.agentmesh.infra.model;

import java.util.EnumMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One served model: its current behaviour, its counters, and its stream of random draws.
 *
 * <p>Draws are counter-based (SplitMix64 of seed and request number) rather than a shared
 * {@code Random}: lock-free across event loops, and the n-th request of a model always gets the
 * same fault and latency draw for the same seed.
 */
final class ModelState {

    private volatile ModelBehaviour behaviour;
    private final AtomicLong sequence = new AtomicLong();
    private final LongAdder completed = new LongAdder();
    private final AtomicLong inFlight = new AtomicLong();
    private final EnumMap<FaultKind, LongAdder> faults = new EnumMap<>(FaultKind.class);

    ModelState(ModelBehaviour behaviour) {
        this.behaviour = behaviour;
        for (FaultKind k : FaultKind.values()) {
            faults.put(k, new LongAdder());
        }
    }

    ModelBehaviour behaviour() {
        return behaviour;
    }

    void behaviour(ModelBehaviour value) {
        this.behaviour = value;
    }

    /** Counts a new request; returns its number (0, 1, ...). */
    long begin() {
        inFlight.incrementAndGet();
        return sequence.getAndIncrement();
    }

    void end(boolean normally) {
        inFlight.decrementAndGet();
        if (normally) {
            completed.increment();
        }
    }

    void fault(FaultKind kind) {
        faults.get(kind).increment();
    }

    /** Uniform draw number {@code stream} for request {@code n}, in [0, 1). */
    double uniform(long seed, long n, int stream) {
        long x = SplitMix.mix(SplitMix.mix(seed + SplitMix.GOLDEN * (n + 1)) + stream);
        return SplitMix.unit(x);
    }

    long inFlight() {
        return inFlight.get();
    }

    SimulatorStats.ModelStats snapshot() {
        EnumMap<FaultKind, Long> f = new EnumMap<>(FaultKind.class);
        faults.forEach((k, v) -> f.put(k, v.sum()));
        return new SimulatorStats.ModelStats(sequence.get(), completed.sum(), f, inFlight.get());
    }
}
