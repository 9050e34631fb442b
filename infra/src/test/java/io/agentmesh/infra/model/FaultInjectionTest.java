package io.agentmesh.infra.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static io.agentmesh.infra.model.SimClient.JSON;
import static io.agentmesh.infra.model.SimClient.chat;
import static io.agentmesh.infra.model.SimClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Each fault kind, configured alone at rate 0.2, hits about a fifth of 500 requests, and is counted. */
class FaultInjectionTest {

    static final int CALLS = 500;
    static final double RATE = 0.2;
    /** Four standard deviations of Binomial(500, 0.2): about 36. */
    static final double TOLERANCE = 4 * Math.sqrt(CALLS * RATE * (1 - RATE));

    static ModelSimulator simulator;
    static SimClient client;

    @BeforeAll
    static void start() {
        simulator = ModelSimulator.builder().port(0).models(List.of(
                model("flaky-500", Faults.none().withError500(RATE)),
                model("flaky-429", Faults.none().withRateLimit429(RATE).withRetryAfter(Duration.ofMillis(1500))),
                model("flaky-malformed", Faults.none().withMalformed(RATE)),
                model("flaky-hang", Faults.none().withHang(RATE)),
                model("late", Faults.none().withHang(1.0).withHangFor(Duration.ofMillis(300))))).build().start();
        client = new SimClient(simulator);
    }

    static ModelBehaviour model(String name, Faults faults) {
        return ModelBehaviour.builder(name).faults(faults).seed(11).build();
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    List<HttpResponse<String>> callSequentially(String model) {
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            responses.add(client.post("/v1/chat/completions", chat(model, "call " + i)));
        }
        return responses;
    }

    @Test
    void error500AtItsRate() {
        List<HttpResponse<String>> responses = callSequentially("flaky-500");
        long errors = responses.stream().filter(r -> r.statusCode() == 500).count();

        assertThat((double) errors).isCloseTo(CALLS * RATE, within(TOLERANCE));
        assertThat(responses).allMatch(r -> r.statusCode() == 200 || r.statusCode() == 500);
        HttpResponse<String> one = responses.stream().filter(r -> r.statusCode() == 500).findFirst().orElseThrow();
        assertThat(json(one).get("error").get("type").asText()).isEqualTo("server_error");
        assertThat(simulator.stats().model("flaky-500").faults(FaultKind.ERROR_500)).isEqualTo(errors);
        assertThat(simulator.stats().model("flaky-500").completed()).isEqualTo(CALLS - errors);
    }

    @Test
    void rateLimit429AtItsRateWithRetryAfter() {
        List<HttpResponse<String>> responses = callSequentially("flaky-429");
        List<HttpResponse<String>> limited = responses.stream().filter(r -> r.statusCode() == 429).toList();

        assertThat((double) limited.size()).isCloseTo(CALLS * RATE, within(TOLERANCE));
        assertThat(limited).allSatisfy(r -> {
            assertThat(r.headers().firstValue("Retry-After")).hasValue("2");
            assertThat(r.headers().firstValue("retry-after-ms")).hasValue("1500");
            assertThat(json(r).get("error").get("code").asText()).isEqualTo("rate_limit_exceeded");
        });
        assertThat(simulator.stats().model("flaky-429").faults(FaultKind.RATE_LIMIT_429)).isEqualTo(limited.size());
    }

    @Test
    void malformedBodiesAtTheirRate() {
        List<HttpResponse<String>> responses = callSequentially("flaky-malformed");
        assertThat(responses).allMatch(r -> r.statusCode() == 200);
        long broken = responses.stream().filter(r -> !parses(r.body())).count();

        assertThat((double) broken).isCloseTo(CALLS * RATE, within(TOLERANCE));
        assertThat(simulator.stats().model("flaky-malformed").faults(FaultKind.MALFORMED)).isEqualTo(broken);
    }

    @Test
    void hangsAtTheirRatePastTheClientTimeout() {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            calls.add(client.postAsync("/v1/chat/completions", chat("flaky-hang", "call " + i), Duration.ofSeconds(2)));
        }
        int timedOut = 0;
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            try {
                assertThat(call.join().statusCode()).isEqualTo(200);
            } catch (CompletionException e) {
                assertThat(e.getCause()).isInstanceOf(HttpTimeoutException.class);
                timedOut++;
            }
        }

        assertThat((double) timedOut).isCloseTo(CALLS * RATE, within(TOLERANCE));
        assertThat(simulator.stats().model("flaky-hang").faults(FaultKind.HANG)).isEqualTo(timedOut);
        // The client closed the hung connections: nothing stays in flight.
        awaitNothingInFlight("flaky-hang");
    }

    @Test
    void hangForAnswersAfterTheDelay() {
        HttpResponse<String> patient = client.post("/v1/chat/completions", chat("late", "hello"));
        assertThat(patient.statusCode()).isEqualTo(200);
        assertThat(patient.headers().firstValue("x-sim-latency-ms")).isPresent();

        CompletableFuture<HttpResponse<String>> impatient =
                client.postAsync("/v1/chat/completions", chat("late", "hello"), Duration.ofMillis(100));
        assertThat(impatient).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .withCauseInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void sameSeedGivesTheSameFaultSequence() {
        try (ModelSimulator a = ModelSimulator.builder().port(0)
                .models(List.of(model("flaky-500", Faults.none().withError500(0.5)))).build().start()) {
            SimClient c = new SimClient(a);
            List<Integer> first = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                first.add(c.post("/v1/chat/completions", chat("flaky-500", "x")).statusCode());
            }
            a.reset();
            List<Integer> second = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                second.add(c.post("/v1/chat/completions", chat("flaky-500", "x")).statusCode());
            }
            assertThat(second).isEqualTo(first).contains(200, 500);
        }
    }

    @Test
    void statsAreServedOverHttp() {
        client.post("/v1/chat/completions", chat("sim-default", "x"));
        JsonNode stats = json(client.get("/admin/stats"));

        JsonNode model = stats.get("models").get("sim-default");
        assertThat(model.get("requests").asLong()).isPositive();
        assertThat(model.get("faults").has("error500")).isTrue();
        assertThat(model.get("faults").has("rateLimit429")).isTrue();
        assertThat(stats.has("inFlight")).isTrue();
    }

    static void awaitNothingInFlight(String model) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (simulator.stats().model(model).inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
        }
        assertThat(simulator.stats().model(model).inFlight()).isZero();
    }

    static boolean parses(String body) {
        try {
            JSON.readTree(body);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
