package io.agentmesh.infra.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.agentmesh.infra.model.SimClient.chat;
import static org.assertj.core.api.Assertions.assertThat;

/** Latency is what was configured, as seen by a client over real HTTP. */
class LatencyTest {

    static ModelSimulator simulator;
    static SimClient client;

    @BeforeAll
    static void start() {
        simulator = ModelSimulator.builder().port(0).models(List.of(
                ModelBehaviour.builder("fixed-50").latency(Latency.fixed(Duration.ofMillis(50))).build(),
                ModelBehaviour.builder("lognormal-20").latency(Latency.lognormal(Duration.ofMillis(20), 0.5)).seed(3).build(),
                ModelBehaviour.builder("uniform").latency(Latency.uniform(Duration.ofMillis(10), Duration.ofMillis(30))).build()
        )).build().start();
        client = new SimClient(simulator);
        // Warm up connections and the JIT so the first measured waves are not cold.
        measure("sim-default", 50, 25);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    /** Client-observed and server-drawn latencies (ms) of {@code calls} requests, {@code wave} at a time. */
    record Sample(double[] observed, double[] drawn) {
    }

    static Sample measure(String model, int calls, int wave) {
        double[] observed = new double[calls];
        double[] drawn = new double[calls];
        for (int start = 0; start < calls; start += wave) {
            List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
            long[] sent = new long[wave];
            int base = start;
            for (int i = 0; i < wave && start + i < calls; i++) {
                int index = i;
                sent[i] = System.nanoTime();
                futures.add(client.postAsync("/v1/chat/completions", chat(model, "q"), Duration.ofSeconds(10))
                        .thenApply(r -> {
                            observed[base + index] = (System.nanoTime() - sent[index]) / 1e6;
                            return r;
                        }));
            }
            for (int i = 0; i < futures.size(); i++) {
                HttpResponse<String> r = futures.get(i).join();
                assertThat(r.statusCode()).isEqualTo(200);
                drawn[start + i] = Double.parseDouble(r.headers().firstValue("x-sim-latency-ms").orElseThrow());
            }
        }
        return new Sample(observed, drawn);
    }

    static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    }

    @Test
    void fixedLatencyHoldsEveryReply() {
        Sample s = measure("fixed-50", 100, 20);

        assertThat(s.drawn()).containsOnly(50.0);
        assertThat(percentile(s.observed(), 0.0)).isGreaterThanOrEqualTo(49.0);
        assertThat(percentile(s.observed(), 0.5)).isBetween(49.0, 80.0);
    }

    @Test
    void lognormalMedianIsTheConfiguredMedian() {
        Sample s = measure("lognormal-20", 500, 50);

        // Sampling error of the median of 500 draws at sigma 0.5 is about 3%; allow 10%.
        assertThat(percentile(s.drawn(), 0.5)).isBetween(18.0, 22.0);
        // The spread is lognormal: the 84th percentile is about median * e^sigma (33 ms).
        assertThat(percentile(s.drawn(), 0.84)).isBetween(28.0, 38.0);
        assertThat(percentile(s.observed(), 0.5)).isBetween(18.0, 40.0);
        for (int i = 0; i < s.observed().length; i++) {
            assertThat(s.observed()[i]).isGreaterThanOrEqualTo(s.drawn()[i] - 1);
        }
    }

    @Test
    void uniformLatencyStaysInItsRange() {
        Sample s = measure("uniform", 200, 50);

        assertThat(Arrays.stream(s.drawn()).boxed().toList()).allSatisfy(d -> assertThat(d).isBetween(10.0, 30.0));
        assertThat(Arrays.stream(s.drawn()).average().orElseThrow()).isBetween(17.0, 23.0);
    }
}
