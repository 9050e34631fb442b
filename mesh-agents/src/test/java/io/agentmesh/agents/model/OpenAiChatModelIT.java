package io.agentmesh.agents.model;

import static io.agentmesh.agents.model.OpenAiJsonTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmesh.infra.model.Faults;
import io.agentmesh.infra.model.Latency;
import io.agentmesh.infra.model.ModelBehaviour;
import io.agentmesh.infra.model.ModelSimulator;
import io.agentmesh.infra.model.Rule;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One call of a real OpenAI-compatible server (the simulator, or a scripted one for exact sequences). */
@Timeout(60)
class OpenAiChatModelIT {

    private static ModelSimulator sim;

    @BeforeAll
    static void startSimulator() {
        sim = ModelSimulator.builder().port(0).build().start();
    }

    @AfterAll
    static void stopSimulator() {
        sim.close();
    }

    private static OpenAiChatModel client(String model, Duration timeout) {
        return OpenAiChatModel.create(new ModelEndpoint(model + "-endpoint", java.net.URI.create(sim.baseUrl()), model,
                null, timeout, null, null));
    }

    @Test
    void answersWithContentUsageAndTheModelThatServed() throws Exception {
        sim.putModel(ModelBehaviour.builder("happy").rule(Rule.matching("(?i)capital of (\\w+)").replying("Paris, of $1.")).build());
        try (OpenAiChatModel model = client("happy", Duration.ofSeconds(5))) {
            ChatResponse r = model.complete(ChatRequest.builder().system("be brief").user("The capital of France?").build());
            assertThat(r.content()).isEqualTo("Paris, of France.");
            assertThat(r.finishReason()).isEqualTo("stop");
            assertThat(r.usage().promptTokens()).isPositive();
            assertThat(r.usage().completionTokens()).isPositive();
            assertThat(r.endpoint()).isEqualTo("happy-endpoint");
            assertThat(r.model()).isEqualTo("happy");
            assertThat(r.fallback()).isFalse();
            assertThat(r.attempts()).isEqualTo(1);
            assertThat(r.latency()).isPositive();
        }
    }

    @Test
    void parsesToolCallsAndContinuesTheConversationWithTheResult() throws Exception {
        sim.putModel(ModelBehaviour.builder("tools")
                .rule(Rule.always().withLastRole(Rule.Role.TOOL).withIn(Rule.Scope.LAST_MESSAGE)
                        .replying("It is sunny."))
                .rule(Rule.matching("(?i)weather in (\\w+)").callingTool("get_weather", "{\"city\":\"$1\"}"))
                .build());
        ToolDefinition weather = new ToolDefinition("get_weather", "current weather",
                json("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}"));
        try (OpenAiChatModel model = client("tools", Duration.ofSeconds(5))) {
            ChatRequest ask = ChatRequest.builder().user("What is the weather in Oslo?").tool(weather).toolChoice(ToolChoice.AUTO).build();
            ChatResponse first = model.complete(ask);
            assertThat(first.finishReason()).isEqualTo("tool_calls");
            assertThat(first.toolCalls()).singleElement().satisfies(call -> {
                assertThat(call.name()).isEqualTo("get_weather");
                assertThat(json(call.arguments()).path("city").asText()).isEqualTo("Oslo");
                assertThat(call.id()).isNotBlank();
            });
            ToolCall call = first.toolCalls().getFirst();
            List<ChatMessage> next = new java.util.ArrayList<>(ask.messages());
            next.add(first.toMessage());
            next.add(ChatMessage.tool(call.id(), "{\"sky\":\"clear\"}"));
            ChatResponse second = model.complete(ask.withMessages(next));
            assertThat(second.content()).isEqualTo("It is sunny.");
        }
    }

    @Test
    void aHungServerTimesOutAfterTheRequestTimeout() {
        sim.putModel(ModelBehaviour.builder("hung").faults(Faults.none().withHang(1.0)).build());
        try (OpenAiChatModel model = client("hung", Duration.ofMillis(400))) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> model.complete(ChatRequest.builder().user("hello?").build()))
                    .isInstanceOf(ModelTimeoutException.class)
                    .matches(e -> ((ModelException) e).retriable());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).isBetween(400L, 3_000L);
        }
    }

    @Test
    void theRequestsDeadlineCutsTheCallBeforeTheEndpointsTimeout() {
        sim.putModel(ModelBehaviour.builder("hung-deadline").faults(Faults.none().withHang(1.0)).build());
        try (OpenAiChatModel model = client("hung-deadline", Duration.ofSeconds(30))) {
            java.time.Instant deadline = java.time.Instant.now().plusMillis(400);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> model.complete(ChatRequest.builder().user("hello?").deadline(deadline).build()))
                    .isInstanceOfSatisfying(ModelDeadlineException.class, e -> {
                        assertThat(e.retriable()).isFalse();
                        assertThat(e.getMessage()).contains("deadline " + deadline).contains("hung-deadline");
                    });
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(300L, 10_000L);
        }
    }

    @Test
    void aBodyThatStallsAfterTheHeadersAlsoTimesOut() throws Exception {
        try (ScriptedServer server = new ScriptedServer(
                new ScriptedServer.Reply(200, Map.of(), ScriptedServer.completion("late"), Duration.ofSeconds(10)));
             OpenAiChatModel model = OpenAiChatModel.create(ModelEndpoint.of("stall", server.baseUrl(), "m")
                     .withRequestTimeout(Duration.ofMillis(500)))) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> model.complete(ChatRequest.builder().user("x").build()))
                    .isInstanceOf(ModelTimeoutException.class);
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(500L, 3_000L);
        }
    }

    @Test
    void aMalformedBodyIsARetriableProtocolFailure() {
        sim.putModel(ModelBehaviour.builder("garbled").faults(Faults.none().withMalformed(1.0)).build());
        try (OpenAiChatModel model = client("garbled", Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> model.complete(ChatRequest.builder().user("x").build()))
                    .isInstanceOf(ModelProtocolException.class).hasMessageContaining("not JSON");
        }
    }

    @Test
    void rateLimitCarriesRetryAfter() {
        sim.putModel(ModelBehaviour.builder("limited").faults(Faults.none().withRateLimit429(1.0).withRetryAfter(Duration.ofSeconds(2))).build());
        try (OpenAiChatModel model = client("limited", Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> model.complete(ChatRequest.builder().user("x").build()))
                    .isInstanceOfSatisfying(RateLimitedException.class,
                            e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(2)));
        }
    }

    @Test
    void serverErrorIsRetriableAndUnknownModelIsFatal() {
        sim.putModel(ModelBehaviour.builder("broken").faults(Faults.none().withError500(1.0)).build());
        try (OpenAiChatModel broken = client("broken", Duration.ofSeconds(5));
             OpenAiChatModel unknown = client("no-such-model", Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> broken.complete(ChatRequest.builder().user("x").build()))
                    .isInstanceOfSatisfying(ModelServerException.class, e -> assertThat(e.status()).isEqualTo(500));
            assertThatThrownBy(() -> unknown.complete(ChatRequest.builder().user("x").build()))
                    .isInstanceOfSatisfying(ModelRequestException.class, e -> {
                        assertThat(e.status()).isEqualTo(404);
                        assertThat(e.retriable()).isFalse();
                    });
        }
    }

    @Test
    void refusedConnectionIsRetriable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (OpenAiChatModel model = OpenAiChatModel.create(ModelEndpoint.of("gone", "http://127.0.0.1:" + closedPort + "/v1", "m"))) {
            assertThatThrownBy(() -> model.complete(ChatRequest.builder().user("x").build()))
                    .isInstanceOf(ModelConnectionException.class).matches(e -> ((ModelException) e).retriable());
        }
    }

    @Test
    void sendsTheApiKeyFromTheEnvironmentAndNeverShowsIt() throws Exception {
        String secret = "sk-test-" + System.nanoTime();
        try (ScriptedServer server = new ScriptedServer(ScriptedServer.Reply.status(401, "{\"error\":{\"message\":\"bad key\"}}"));
             OpenAiChatModel model = OpenAiChatModel.builder(ModelEndpoint.of("keyed", server.baseUrl(), "m").withApiKeyEnv("MESH_TEST_KEY"))
                     .environment(name -> name.equals("MESH_TEST_KEY") ? secret : null).build()) {
            assertThatThrownBy(() -> model.complete(ChatRequest.builder().user("x").build()))
                    .isInstanceOf(ModelAuthenticationException.class)
                    .satisfies(e -> assertThat(e.toString()).doesNotContain(secret));
            assertThat(server.received.getFirst().headers().get("Authorization")).containsExactly("Bearer " + secret);
            assertThat(model.toString()).doesNotContain(secret);
            assertThat(model.endpoint().toString()).doesNotContain(secret);
        }
    }

    @Test
    void aMissingKeyVariableFailsWithoutCallingTheServer() throws Exception {
        try (ScriptedServer server = new ScriptedServer();
             OpenAiChatModel model = OpenAiChatModel.builder(ModelEndpoint.of("keyed", server.baseUrl(), "m").withApiKeyEnv("MESH_UNSET_KEY"))
                     .environment(name -> null).build()) {
            assertThatThrownBy(() -> model.complete(ChatRequest.builder().user("x").build()))
                    .isInstanceOf(ModelAuthenticationException.class).hasMessageContaining("MESH_UNSET_KEY");
            assertThat(server.received).isEmpty();
        }
    }

    @Test
    void jsonOutputIsCheckedAgainstTheSchema() throws Exception {
        sim.putModel(ModelBehaviour.builder("judge")
                .rule(Rule.matching("good").replyingJson("{\"score\": 4, \"reason\": \"clear\"}"))
                .rule(Rule.matching("bad").replyingJson("{\"score\": \"high\"}"))
                .build());
        ResponseFormat rating = ResponseFormat.jsonSchema("rating", json("""
                {"type":"object","required":["score","reason"],
                 "properties":{"score":{"type":"integer"},"reason":{"type":"string"}}}"""));
        try (OpenAiChatModel model = client("judge", Duration.ofSeconds(5))) {
            ChatResponse ok = model.complete(ChatRequest.builder().user("rate the good essay").responseFormat(rating).build());
            assertThat(json(ok.content()).path("score").asInt()).isEqualTo(4);
            assertThatThrownBy(() -> model.complete(ChatRequest.builder().user("rate the bad essay").responseFormat(rating).build()))
                    .isInstanceOfSatisfying(OutputValidationException.class, e -> {
                        assertThat(e.retriable()).isTrue();
                        assertThat(e.violations()).anySatisfy(v -> assertThat(v).contains("score"));
                        assertThat(e.violations()).anySatisfy(v -> assertThat(v).contains("reason"));
                    });
        }
    }
}
