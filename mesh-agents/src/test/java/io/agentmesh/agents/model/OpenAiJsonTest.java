package io.agentmesh.agents.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenAiJsonTest {

    static String sample(String name) {
        try (InputStream in = OpenAiJsonTest.class.getResourceAsStream("/openai/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String text) {
        return json(text.getBytes(StandardCharsets.UTF_8));
    }

    static JsonNode json(byte[] body) {
        try {
            return OpenAiJson.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private final ModelEndpoint endpoint = ModelEndpoint.of("llm", "http://127.0.0.1:8000/v1", "llama-8b")
            .withDefaults(new ModelParameters(0.7, 256, 0.9, null));

    @Test
    void readsATextAnswerWithUsage() throws Exception {
        OpenAiJson.Completion c = OpenAiJson.parseCompletion("llm", sample("completion-text.json"));
        assertThat(c.content()).isEqualTo("Hello! How can I assist you today?");
        assertThat(c.finishReason()).isEqualTo("stop");
        assertThat(c.usage()).isEqualTo(new Usage(19, 10));
        assertThat(c.model()).isEqualTo("gpt-4.1-2025-04-14");
        assertThat(c.toolCalls()).isEmpty();
    }

    @Test
    void readsToolCallsWithTheirArgumentsText() throws Exception {
        OpenAiJson.Completion c = OpenAiJson.parseCompletion("llm", sample("completion-tool-calls.json"));
        assertThat(c.content()).isNull();
        assertThat(c.finishReason()).isEqualTo("tool_calls");
        assertThat(c.toolCalls()).singleElement().satisfies(call -> {
            assertThat(call.id()).isEqualTo("call_abc123");
            assertThat(call.name()).isEqualTo("get_current_weather");
            assertThat(json(call.arguments()).path("location").asText()).isEqualTo("Boston, MA");
        });
        assertThat(c.usage().totalTokens()).isEqualTo(99);
    }

    @Test
    void readsVllmAnswersWithEmptyToolCalls() throws Exception {
        OpenAiJson.Completion c = OpenAiJson.parseCompletion("llm", sample("completion-vllm.json"));
        assertThat(c.content()).isEqualTo("{\"answer\": 42}");
        assertThat(c.toolCalls()).isEmpty();
        assertThat(c.usage()).isEqualTo(new Usage(25, 8));
    }

    @Test
    void garbageIsAProtocolFailure() {
        assertThatThrownBy(() -> OpenAiJson.parseCompletion("llm", "<html>502 Bad Gateway</html>"))
                .isInstanceOf(ModelProtocolException.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> OpenAiJson.parseCompletion("llm", "{\"choices\":[]}"))
                .isInstanceOf(ModelProtocolException.class).hasMessageContaining("no choices");
        assertThatThrownBy(() -> OpenAiJson.parseCompletion("llm", "{\"choices\":[{\"message\":{\"role\":\"assistant\"}}]}"))
                .isInstanceOf(ModelProtocolException.class).hasMessageContaining("neither content nor tool calls");
        assertThatThrownBy(() -> OpenAiJson.parseCompletion("llm", "{\"id\":\"x\",\"choi"))
                .isInstanceOf(ModelProtocolException.class);
        assertThatThrownBy(() -> OpenAiJson.parseCompletion("llm", sample("error-openai-429.json")))
                .isInstanceOf(ModelProtocolException.class).hasMessageContaining("Rate limit reached");
    }

    @Test
    void errorDetailReadsOpenAiAndVllmShapes() {
        assertThat(OpenAiJson.errorDetail(sample("error-openai-429.json"))).startsWith("Rate limit reached for gpt-4o-mini");
        assertThat(OpenAiJson.errorDetail(sample("error-vllm-400.json"))).startsWith("This model's maximum context length");
        assertThat(OpenAiJson.errorDetail("x".repeat(1000))).hasSize(303);
    }

    @Test
    void writesMessagesToolsAndDefaults() {
        ChatRequest request = ChatRequest.builder()
                .system("be brief")
                .user("weather in Boston?")
                .message(ChatMessage.assistant(null, List.of(new ToolCall("call_1", "weather", "{\"city\":\"Boston\"}"))))
                .message(ChatMessage.tool("call_1", "{\"celsius\":12}"))
                .tool(new ToolDefinition("weather", "current weather", json("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}")))
                .toolChoice(ToolChoice.function("weather"))
                .temperature(0.0)
                .seed(42)
                .build();
        JsonNode body = json(OpenAiJson.requestBody(request, endpoint));
        assertThat(body.path("model").asText()).isEqualTo("llama-8b");
        assertThat(body.path("messages")).hasSize(4);
        assertThat(body.at("/messages/0/role").asText()).isEqualTo("system");
        assertThat(body.at("/messages/2/content").isNull()).isTrue();
        assertThat(body.at("/messages/2/tool_calls/0/function/arguments").asText()).isEqualTo("{\"city\":\"Boston\"}");
        assertThat(body.at("/messages/2/tool_calls/0/type").asText()).isEqualTo("function");
        assertThat(body.at("/messages/3/tool_call_id").asText()).isEqualTo("call_1");
        assertThat(body.at("/tools/0/type").asText()).isEqualTo("function");
        assertThat(body.at("/tools/0/function/parameters/properties/city/type").asText()).isEqualTo("string");
        assertThat(body.at("/tool_choice/function/name").asText()).isEqualTo("weather");
        assertThat(body.path("temperature").asDouble()).isZero();   // the request wins over the default 0.7
        assertThat(body.path("max_tokens").asInt()).isEqualTo(256); // the endpoint default fills the gap
        assertThat(body.path("top_p").asDouble()).isEqualTo(0.9);
        assertThat(body.path("seed").asLong()).isEqualTo(42);
        assertThat(body.path("stream").asBoolean()).isFalse();
        assertThat(body.has("response_format")).isFalse();
    }

    @Test
    void writesResponseFormats() {
        JsonNode schema = json("{\"type\":\"object\",\"required\":[\"score\"]}");
        ChatRequest request = ChatRequest.builder().user("rate it").model("override")
                .responseFormat(ResponseFormat.strictJsonSchema("rating", schema)).build();
        JsonNode body = json(OpenAiJson.requestBody(request, endpoint));
        assertThat(body.path("model").asText()).isEqualTo("override");
        assertThat(body.at("/response_format/type").asText()).isEqualTo("json_schema");
        assertThat(body.at("/response_format/json_schema/name").asText()).isEqualTo("rating");
        assertThat(body.at("/response_format/json_schema/schema")).isEqualTo(schema);
        assertThat(body.at("/response_format/json_schema/strict").asBoolean()).isTrue();

        ChatRequest plainJson = ChatRequest.builder().user("json please").responseFormat(ResponseFormat.JSON_OBJECT).build();
        assertThat(json(OpenAiJson.requestBody(plainJson, endpoint)).at("/response_format/type").asText()).isEqualTo("json_object");
        assertThat(json(OpenAiJson.requestBody(ChatRequest.builder().user("x").toolChoice(ToolChoice.REQUIRED).build(), endpoint))
                .path("tool_choice").asText()).isEqualTo("required");
    }

    @Test
    void requestsRejectInconsistentSettings() {
        assertThatThrownBy(() -> ChatRequest.of(List.of())).hasMessageContaining("messages");
        assertThatThrownBy(() -> ChatRequest.builder().user("x").toolChoice(ToolChoice.function("missing")).build())
                .hasMessageContaining("missing");
        assertThatThrownBy(() -> ChatRequest.builder().user("x").temperature(3).build()).hasMessageContaining("temperature");
        assertThatThrownBy(() -> ChatMessage.tool(null, "x")).hasMessageContaining("toolCallId");
        assertThatThrownBy(() -> new ModelEndpoint("e", java.net.URI.create("http://u:p@host/v1"), "m", null, null, null, null))
                .hasMessageContaining("credentials");
    }

    @Test
    void endpointJoinsThePathWithOrWithoutTrailingSlash() {
        assertThat(ModelEndpoint.of("a", "http://h:1/v1", "m").chatCompletionsUri()).hasToString("http://h:1/v1/chat/completions");
        assertThat(ModelEndpoint.of("a", "http://h:1/v1/", "m").chatCompletionsUri()).hasToString("http://h:1/v1/chat/completions");
    }
}
