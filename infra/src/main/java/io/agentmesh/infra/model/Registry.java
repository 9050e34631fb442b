package io.agentmesh.infra.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The models a simulator serves, by name, with their counters; shared by all event loops. */
final class Registry {

    private final List<ModelBehaviour> initial;
    private final Map<String, ModelState> models = new ConcurrentHashMap<>();
    private final LongAdder rejected = new LongAdder();

    Registry(List<ModelBehaviour> initial) {
        this.initial = List.copyOf(initial);
        initial.forEach(this::put);
    }

    ModelState get(String name) {
        return models.get(name);
    }

    /** Adds or replaces a model; a replaced model keeps its counters. Returns true when it is new. */
    boolean put(ModelBehaviour behaviour) {
        boolean[] created = {false};
        models.compute(behaviour.name(), (name, state) -> {
            if (state == null) {
                created[0] = true;
                return new ModelState(behaviour);
            }
            state.behaviour(behaviour);
            return state;
        });
        return created[0];
    }

    boolean remove(String name) {
        return models.remove(name) != null;
    }

    Collection<ModelBehaviour> behaviours() {
        List<ModelBehaviour> all = new ArrayList<>();
        models.values().forEach(s -> all.add(s.behaviour()));
        all.sort(java.util.Comparator.comparing(ModelBehaviour::name));
        return all;
    }

    void rejected() {
        rejected.increment();
    }

    /** Back to the models given at start, with every counter at zero. */
    void reset() {
        models.clear();
        rejected.reset();
        initial.forEach(this::put);
    }

    SimulatorStats stats() {
        Map<String, SimulatorStats.ModelStats> perModel = new LinkedHashMap<>();
        long inFlight = 0;
        for (Map.Entry<String, ModelState> e : models.entrySet()) {
            SimulatorStats.ModelStats s = e.getValue().snapshot();
            perModel.put(e.getKey(), s);
            inFlight += s.inFlight();
        }
        return new SimulatorStats(perModel, inFlight, rejected.sum());
    }
}
