package io.agentmesh.agents.model;

import static io.agentmesh.agents.model.OpenAiJsonTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agentmesh.infra.model.Faults;
import io.agentmesh.infra.model.Latency;
import io.agentmesh.infra.model.ModelBehaviour;
import io.agentmesh.infra.model.ModelSimulator;
import io.agentmesh.infra.model.Rule;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Retries, breaker and fallback over real HTTP: the simulator, or a scripted server for exact sequences. */
@Timeout(120)
class ResilientChatModelIT {

    private static final ChatRequest HELLO = ChatRequest.builder().user("hello").build();
    private static final RetryPolicy QUICK =
            new RetryPolicy(3, Duration.ofMillis(20), 2.0, Duration.ofMillis(100), Duration.ofSeconds(5));

    private static ModelSimulator sim;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final ModelCallListener recorder = new ModelCallListener() {
        @Override
        public void onRetryScheduled(String endpoint, int nextAttempt, Duration delay, ModelException cause) {
            events.add("retry " + endpoint + " #" + nextAttempt + " after " + delay.toMillis() + "ms");
        }

        @Override
        public void onCircuitStateChange(String endpoint, CircuitState from, CircuitState to) {
            events.add("breaker " + from + "->" + to);
        }

        @Override
        public void onCallNotPermitted(String endpoint) {
            events.add("rejected");
        }

        @Override
        public void onFallback(String primary, String fallback, ModelException reason) {
            events.add("fallback " + primary + "->" + fallback);
        }
    };

    @BeforeAll
    static void startSimulator() {
        sim = ModelSimulator.builder().port(0).build().start();
    }

    @AfterAll
    static void stopSimulator() {
        sim.close();
    }

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private OpenAiChatModel simModel(ModelBehaviour behaviour, Duration timeout) {
        sim.putModel(behaviour);
        return track(OpenAiChatModel.create(new ModelEndpoint(behaviour.name(), URI.create(sim.baseUrl()),
                behaviour.name(), null, timeout, null, null)));
    }

    private OpenAiChatModel scripted(ScriptedServer server) {
        open.add(server);
        return track(OpenAiChatModel.create(ModelEndpoint.of("scripted", server.baseUrl(), "m")));
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    private static long requests(String model) {
        return sim.stats().model(model).requests();
    }

    @Test
    void retriesAServerErrorThenSucceeds() throws Exception {
        ScriptedServer server = new ScriptedServer(ScriptedServer.Reply.status(500, "{\"error\":{\"message\":\"oops\"}}"),
                ScriptedServer.Reply.status(503, ""), ScriptedServer.Reply.ok("third time lucky"));
        ChatResponse r = ResilientChatModel.builder(scripted(server)).retryPolicy(QUICK).listener(recorder).build().complete(HELLO);
        assertThat(r.content()).isEqualTo("third time lucky");
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(server.received).hasSize(3);
        assertThat(events).hasSize(2).allMatch(e -> e.startsWith("retry scripted"));
    }

    @Test
    void retriesRandomFaultsOfTheSimulatorUntilEveryCallSucceeds() throws Exception {
        OpenAiChatModel flaky = simModel(ModelBehaviour.builder("flaky").seed(11)
                .faults(Faults.none().withError500(0.2).withMalformed(0.1)).build(), Duration.ofSeconds(5));
        ResilientChatModel model = ResilientChatModel.builder(flaky).circuitBreaker(null)
                .retryPolicy(QUICK.withMaxAttempts(8)).build();
        int attempts = 0;
        for (int i = 0; i < 60; i++) {
            attempts += model.complete(HELLO).attempts();
        }
        long faults = sim.stats().model("flaky").totalFaults();
        assertThat(faults).isPositive();
        assertThat(attempts).isEqualTo(60 + faults).isEqualTo(requests("flaky"));
    }

    @Test
    void honoursRetryAfterOfA429() throws Exception {
        ScriptedServer server = new ScriptedServer(
                ScriptedServer.Reply.status(429, "{\"error\":{\"message\":\"slow down\"}}").withHeader("Retry-After", "1"),
                ScriptedServer.Reply.ok("thanks for waiting"));
        ChatResponse r = ResilientChatModel.builder(scripted(server)).retryPolicy(QUICK).listener(recorder).build().complete(HELLO);
        assertThat(r.content()).isEqualTo("thanks for waiting");
        long gapMs = (server.received.get(1).atNanos() - server.received.get(0).atNanos()) / 1_000_000;
        System.out.printf("429 with Retry-After: 1 -> next attempt after %d ms (backoff ceiling was 20 ms)%n", gapMs);
        assertThat(gapMs).isGreaterThanOrEqualTo(1_000);
        assertThat(events).containsExactly("retry scripted #2 after 1000ms");
    }

    @Test
    void honoursTheSimulatorsRetryAfter() throws Exception {
        OpenAiChatModel limited = simModel(ModelBehaviour.builder("limited")
                .faults(Faults.none().withRateLimit429(1.0).withRetryAfter(Duration.ofSeconds(1))).build(), Duration.ofSeconds(5));
        ResilientChatModel model = ResilientChatModel.builder(limited).retryPolicy(QUICK.withMaxAttempts(2)).build();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> model.complete(HELLO)).isInstanceOfSatisfying(RetriesExhaustedException.class,
                e -> assertThat(e.attempts()).extracting(Attempt::failure).containsOnly("RateLimitedException"));
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(1_000);
        assertThat(requests("limited")).isEqualTo(2);
    }

    @Test
    void hungCallsTimeOutOnEveryAttempt() {
        OpenAiChatModel hung = simModel(ModelBehaviour.builder("hung2").faults(Faults.none().withHang(1.0)).build(),
                Duration.ofMillis(300));
        ResilientChatModel model = ResilientChatModel.builder(hung).retryPolicy(QUICK.withMaxAttempts(2)).build();
        assertThatThrownBy(() -> model.complete(HELLO)).isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
            assertThat(e.attempts()).extracting(Attempt::failure).containsExactly("ModelTimeoutException", "ModelTimeoutException");
            assertThat(e.attempts()).allSatisfy(a -> assertThat(a.latency()).isBetween(Duration.ofMillis(300), Duration.ofSeconds(3)));
        });
    }

    @Test
    void exhaustedRetriesReportEveryAttempt() {
        OpenAiChatModel down = simModel(ModelBehaviour.builder("down").faults(Faults.none().withError500(1.0)).build(),
                Duration.ofSeconds(5));
        ResilientChatModel model = ResilientChatModel.builder(down).retryPolicy(QUICK).build();
        assertThatThrownBy(() -> model.complete(HELLO)).isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
            assertThat(e.endpoint()).isEqualTo("down");
            assertThat(e.attempts()).extracting(Attempt::number).containsExactly(1, 2, 3);
            assertThat(e.attempts()).allSatisfy(a -> assertThat(a.detail()).contains("HTTP 500"));
            assertThat(e.last()).isInstanceOf(ModelServerException.class);
        });
        assertThat(requests("down")).isEqualTo(3);
    }

    @Test
    void breakerOpensUnderSustainedFailureFailsFastThenHalfOpensAndCloses() throws Exception {
        ModelBehaviour broken = ModelBehaviour.builder("breaking").faults(Faults.none().withError500(1.0)).build();
        OpenAiChatModel client = simModel(broken, Duration.ofSeconds(5));
        ResilientChatModel model = ResilientChatModel.builder(client).retryPolicy(RetryPolicy.NONE).listener(recorder)
                .circuitBreaker(new CircuitBreakerPolicy(4, 4, 50f, Duration.ofMillis(500), 2)).build();
        for (int i = 0; i < 4; i++) {
            assertThatThrownBy(() -> model.complete(HELLO)).isInstanceOf(RetriesExhaustedException.class);
        }
        assertThat(model.circuitState()).isEqualTo(CircuitState.OPEN);
        long t0 = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            assertThatThrownBy(() -> model.complete(HELLO)).isInstanceOf(CircuitOpenException.class);
        }
        System.out.printf("breaker open: 20 rejected calls took %.2f ms in all%n", (System.nanoTime() - t0) / 1e6);
        assertThat(requests("breaking")).isEqualTo(4); // failing fast sends nothing

        sim.putModel(broken.toBuilder().faults(Faults.none()).build()); // the server recovers
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> model.complete(HELLO).content() != null);
        assertThat(model.circuitState()).isEqualTo(CircuitState.HALF_OPEN);
        model.complete(HELLO);
        assertThat(model.circuitState()).isEqualTo(CircuitState.CLOSED);
        assertThat(events).containsSubsequence("breaker CLOSED->OPEN", "rejected", "breaker OPEN->HALF_OPEN", "breaker HALF_OPEN->CLOSED");
    }

    @Test
    void fallbackAnswersWhenThePrimaryIsDownAndSaysSo() throws Exception {
        OpenAiChatModel primary = simModel(ModelBehaviour.builder("big").faults(Faults.none().withError500(1.0)).build(),
                Duration.ofSeconds(5));
        OpenAiChatModel backup = simModel(ModelBehaviour.builder("small").defaultReply("small model here").build(),
                Duration.ofSeconds(5));
        ResilientChatModel model = ResilientChatModel.builder(primary).retryPolicy(QUICK).listener(recorder)
                .fallback(ResilientChatModel.builder(backup).retryPolicy(QUICK).build()).build();
        ChatResponse r = model.complete(HELLO.withModel("big"));
        assertThat(r.content()).isEqualTo("small model here");
        assertThat(r.fallback()).isTrue();
        assertThat(r.endpoint()).isEqualTo("small");
        assertThat(r.model()).isEqualTo("small");
        assertThat(r.attempts()).isEqualTo(4);
        assertThat(events).contains("fallback big->small");
    }

    @Test
    void schemaViolationsAreRetried() throws Exception {
        ResponseFormat rating = ResponseFormat.jsonSchema("rating", json(
                "{\"type\":\"object\",\"required\":[\"score\"],\"properties\":{\"score\":{\"type\":\"integer\"}}}"));
        ChatRequest rate = ChatRequest.builder().user("rate it").responseFormat(rating).build();

        OpenAiChatModel stubborn = simModel(ModelBehaviour.builder("stubborn")
                .rule(Rule.always().replyingJson("{\"score\":\"five\"}")).build(), Duration.ofSeconds(5));
        assertThatThrownBy(() -> ResilientChatModel.builder(stubborn).retryPolicy(QUICK).build().complete(rate))
                .isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
                    assertThat(e.last()).isInstanceOf(OutputValidationException.class).hasMessageContaining("score");
                    assertThat(e.attempts()).hasSize(3);
                });
        assertThat(requests("stubborn")).isEqualTo(3);

        ScriptedServer server = new ScriptedServer(ScriptedServer.Reply.ok("{\"score\":\"five\"}"), ScriptedServer.Reply.ok("{\"score\":5}"));
        ChatResponse r = ResilientChatModel.builder(scripted(server)).retryPolicy(QUICK).build().complete(rate);
        assertThat(r.content()).isEqualTo("{\"score\":5}");
        assertThat(r.attempts()).isEqualTo(2);
    }

    @Test
    void thousandConcurrentCallsAt200msFinishInBoundedTime() throws Exception {
        OpenAiChatModel slow = simModel(ModelBehaviour.builder("slow200").latency(Latency.fixed(Duration.ofMillis(200)))
                .defaultReply("echo: {{lastUser}}").build(),
                Duration.ofSeconds(30));
        ResilientChatModel model = ResilientChatModel.builder(slow).build();
        int calls = 1_000;
        for (int round = 1; round <= 2; round++) {
            long t0 = System.nanoTime();
            List<Future<ChatResponse>> futures = new ArrayList<>(calls);
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < calls; i++) {
                    ChatRequest request = ChatRequest.builder().user("call " + i).build();
                    futures.add(threads.submit(() -> model.complete(request)));
                }
            }
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            int retried = 0;
            for (Future<ChatResponse> f : futures) {
                ChatResponse r = f.get();
                assertThat(r.content()).startsWith("echo: call ");
                retried += r.attempts() - 1;
            }
            System.out.printf("%d concurrent calls at 200 ms simulated latency, round %d: %d ms wall, %d retries%n",
                    calls, round, elapsedMs, retried);
            assertThat(elapsedMs).isLessThan(15_000);
        }
    }
}
