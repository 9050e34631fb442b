package io.agentmesh.infra.model;

import java.util.EnumMap;
import java.util.Map;

/**
 * A snapshot of the simulator's counters (since start or the last reset).
 *
 * @param models   per model name
 * @param inFlight requests accepted and not yet answered (hung ones included), all models
 * @param rejected requests refused before reaching a model (400, 404, 413)
 */
public record SimulatorStats(Map<String, ModelStats> models, long inFlight, long rejected) {

    public SimulatorStats {
        models = Map.copyOf(models);
    }

    /** The counters of {@code model}, zero when it has none. */
    public ModelStats model(String model) {
        return models.getOrDefault(model, ModelStats.EMPTY);
    }

    /** Total requests over all models. */
    public long requests() {
        return models.values().stream().mapToLong(ModelStats::requests).sum();
    }

    /**
     * The counters of one model.
     *
     * @param requests  chat completion requests accepted for this model
     * @param completed requests answered normally (200, complete body)
     * @param faults    faults injected, by kind (every kind present)
     * @param inFlight  requests not yet answered
     */
    public record ModelStats(long requests, long completed, Map<FaultKind, Long> faults, long inFlight) {

        static final ModelStats EMPTY = new ModelStats(0, 0, new EnumMap<>(FaultKind.class), 0);

        public ModelStats {
            EnumMap<FaultKind, Long> all = new EnumMap<>(FaultKind.class);
            for (FaultKind k : FaultKind.values()) {
                all.put(k, faults.getOrDefault(k, 0L));
            }
            faults = Map.copyOf(all);
        }

        /** Faults of one kind. */
        public long faults(FaultKind kind) {
            return faults.get(kind);
        }

        /** Faults of all kinds. */
        public long totalFaults() {
            return faults.values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
