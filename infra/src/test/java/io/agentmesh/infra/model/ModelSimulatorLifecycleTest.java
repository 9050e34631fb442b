package io.agentmesh.infra.model;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.agentmesh.infra.model.SimClient.chat;
import static io.agentmesh.infra.model.SimClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Start, stop, ports, reset: what the JUnit extension and {@code mesh infra} rely on. */
class ModelSimulatorLifecycleTest {

    @Test
    void servesSimDefaultWithNoConfigurationOnAFreePort() {
        try (ModelSimulator sim = ModelSimulator.builder().port(0).build().start()) {
            assertThat(sim.port()).isPositive();
            assertThat(sim.baseUrl()).isEqualTo("http://127.0.0.1:" + sim.port() + "/v1");
            assertThat(sim.models()).extracting(ModelBehaviour::name).containsExactly("sim-default");
            assertThat(new SimClient(sim).post("/v1/chat/completions", chat("sim-default", "hi")).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void aTakenPortIsAClearError() {
        try (ModelSimulator first = ModelSimulator.builder().port(0).build().start()) {
            ModelSimulator second = ModelSimulator.builder().port(first.port()).build();
            assertThatThrownBy(second::start)
                    .isInstanceOf(PortInUseException.class)
                    .hasMessageContaining("127.0.0.1:" + first.port())
                    .hasMessageContaining("already in use");
            assertThatThrownBy(second::port).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void startsOnceAndClosesIdempotently() {
        ModelSimulator sim = ModelSimulator.builder().port(0).build().start();
        assertThatThrownBy(sim::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("started");
        sim.close();
        sim.close();
    }

    @Test
    void resetRestoresTheStartingModelsAndZeroesCounters() {
        try (ModelSimulator sim = ModelSimulator.builder().port(0)
                .models(List.of(ModelBehaviour.builder("base").build())).build().start()) {
            SimClient client = new SimClient(sim);
            sim.putModel(ModelBehaviour.builder("extra").build());
            client.post("/v1/chat/completions", chat("base", "hi"));
            client.post("/v1/chat/completions", chat("extra", "hi"));
            assertThat(sim.stats().requests()).isEqualTo(2);

            assertThat(client.post("/admin/reset", "").statusCode()).isEqualTo(200);

            assertThat(sim.stats().requests()).isZero();
            assertThat(sim.models()).extracting(ModelBehaviour::name).containsExactlyInAnyOrder("sim-default", "base");
            assertThat(json(client.get("/admin/stats")).get("requests").asLong()).isZero();
        }
    }

    @Test
    void closeDropsHungRequests() {
        ModelSimulator sim = ModelSimulator.builder().port(0).models(List.of(ModelBehaviour.builder("stuck")
                .faults(Faults.none().withHang(1.0)).build())).build().start();
        var pending = new SimClient(sim).postAsync("/v1/chat/completions", chat("stuck", "hi"), Duration.ofSeconds(30));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (sim.stats().inFlight() == 0 && System.nanoTime() < deadline) {
            Thread.yield();
        }
        assertThat(sim.stats().inFlight()).isEqualTo(1);

        sim.close();

        assertThat(pending).failsWithin(Duration.ofSeconds(10));
    }
}
