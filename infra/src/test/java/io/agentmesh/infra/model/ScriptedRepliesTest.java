package io.agentmesh.infra.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static io.agentmesh.infra.model.SimClient.JSON;
import static io.agentmesh.infra.model.SimClient.chat;
import static io.agentmesh.infra.model.SimClient.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Replies over real HTTP: rules from a YAML script, capture groups, JSON, tool calls, seeds, usage. */
class ScriptedRepliesTest {

    static ModelSimulator simulator;
    static SimClient client;

    @BeforeAll
    static void start() {
        simulator = ModelSimulator.builder().port(0).configFile(ModelConfigTest.resource("support.yaml")).build().start();
        client = new SimClient(simulator);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    static JsonNode complete(ObjectNode body) {
        HttpResponse<String> response = client.post("/v1/chat/completions", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    static JsonNode message(JsonNode completion) {
        return completion.get("choices").get(0).get("message");
    }

    @Test
    void answersInOpenAiShape() {
        JsonNode c = complete(chat("support-bot", "I want a refund for order 1234"));

        assertThat(c.get("id").asText()).startsWith("chatcmpl-");
        assertThat(c.get("object").asText()).isEqualTo("chat.completion");
        assertThat(c.get("created").asLong()).isPositive();
        assertThat(c.get("model").asText()).isEqualTo("support-bot");
        assertThat(c.get("choices").get(0).get("index").asInt()).isZero();
        assertThat(message(c).get("role").asText()).isEqualTo("assistant");
        assertThat(c.get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void namedCaptureGroupFillsTheReply() {
        assertThat(message(complete(chat("support-bot", "I want a refund for order 1234"))).get("content").asText())
                .isEqualTo("Refund issued for order 1234.");
    }

    @Test
    void jsonRuleAnswersWithJsonContent() throws Exception {
        String content = message(complete(chat("support-bot", "Please classify this"))).get("content").asText();

        JsonNode parsed = JSON.readTree(content);
        assertThat(parsed.get("label").asText()).isEqualTo("billing");
        assertThat(parsed.get("confidence").asDouble()).isEqualTo(0.9);
        assertThat(parsed.get("echo").asText()).isEqualTo("classify");
    }

    @Test
    void systemPromptRuleAndDefaultReply() {
        ObjectNode pirate = chat("support-bot", "hello");
        SimClient.messages(pirate).insert(0, JSON.createObjectNode().put("role", "system").put("content", "You are a pirate."));
        assertThat(message(complete(pirate)).get("content").asText()).isEqualTo("Arr!");

        assertThat(message(complete(chat("support-bot", "hello"))).get("content").asText())
                .isEqualTo("Sorry, I cannot help with that: hello");
    }

    @Test
    void toolCallConversationRunsToTheToolResult() throws Exception {
        ObjectNode first = chat("support-bot", "What is the weather in Paris?");
        first.putArray("tools").addObject().put("type", "function")
                .putObject("function").put("name", "get_weather").putObject("parameters").put("type", "object");
        JsonNode call = complete(first);

        assertThat(call.get("choices").get(0).get("finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode toolCall = message(call).get("tool_calls").get(0);
        assertThat(message(call).get("content").isNull()).isTrue();
        assertThat(toolCall.get("type").asText()).isEqualTo("function");
        assertThat(toolCall.get("function").get("name").asText()).isEqualTo("get_weather");
        JsonNode args = JSON.readTree(toolCall.get("function").get("arguments").asText());
        assertThat(args.get("city").asText()).isEqualTo("Paris");
        assertThat(args.get("unit").asText()).isEqualTo("celsius");

        // The client runs the tool and sends its result back.
        ArrayNode messages = SimClient.messages(first);
        messages.add(message(call));
        messages.addObject().put("role", "tool").put("tool_call_id", toolCall.get("id").asText())
                .put("content", "{\"temp\": 21}");
        JsonNode answer = complete(first);

        assertThat(message(answer).get("content").asText()).isEqualTo("It is 21 degrees in $-land.");
        assertThat(answer.get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void toolChoiceNoneSkipsToolRules() {
        ObjectNode body = chat("support-bot", "weather in Oslo").put("tool_choice", "none");
        assertThat(message(complete(body)).get("content").asText()).startsWith("Sorry");
    }

    @Test
    void sameRequestAndSeedGiveTheSameReply() {
        ObjectNode body = chat("generator", "Tell me something").put("seed", 5);
        String a = message(complete(body)).get("content").asText();
        String b = message(complete(body)).get("content").asText();
        String otherSeed = message(complete(body.deepCopy().put("seed", 6))).get("content").asText();
        String otherPrompt = message(complete(chat("generator", "Tell me more").put("seed", 5))).get("content").asText();

        assertThat(a).isNotBlank().isEqualTo(b);
        assertThat(otherSeed).isNotEqualTo(a);
        assertThat(otherPrompt).isNotEqualTo(a);
        // A fresh simulator with the same model seed answers the same.
        try (ModelSimulator again = ModelSimulator.builder().port(0)
                .models(java.util.List.of(ModelBehaviour.builder("generator").seed(7).build())).build().start()) {
            JsonNode c = json(new SimClient(again).post("/v1/chat/completions", body));
            assertThat(message(c).get("content").asText()).isEqualTo(a);
        }
    }

    @Test
    void simDefaultEchoes() {
        assertThat(message(complete(chat("sim-default", "ping"))).get("content").asText()).isEqualTo("echo: ping");
    }

    @Test
    void usageCountsAboutFourCharactersPerToken() {
        JsonNode c = complete(chat("sim-default", "x".repeat(40)));
        JsonNode usage = c.get("usage");

        // 3 priming + (4 + 10) for the message; the reply "echo: " + 40 chars = 46 chars -> 12 tokens.
        assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(17);
        assertThat(usage.get("completion_tokens").asInt()).isEqualTo(12);
        assertThat(usage.get("total_tokens").asInt()).isEqualTo(29);
    }

    @Test
    void maxTokensCutsTheReply() {
        JsonNode c = complete(chat("sim-default", "a long message ".repeat(10)).put("max_tokens", 3));

        assertThat(message(c).get("content").asText()).hasSize(12);
        assertThat(c.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        assertThat(c.get("usage").get("completion_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void jsonResponseFormatAlwaysGetsJson() throws Exception {
        ObjectNode body = chat("sim-default", "hi");
        body.putObject("response_format").put("type", "json_object");
        String content = message(complete(body)).get("content").asText();
        assertThat(JSON.readTree(content).get("content").asText()).isEqualTo("echo: hi");
    }

    @Test
    void jsonInAMarkdownFenceIsSentAsWrittenInJsonMode() {
        simulator.putModel(ModelBehaviour.builder("fenced-json").defaultReply("```json\n{\"a\": 1}\n```").build());
        ObjectNode body = chat("fenced-json", "hi");
        body.putObject("response_format").put("type", "json_object");
        assertThat(message(complete(body)).get("content").asText()).isEqualTo("```json\n{\"a\": 1}\n```");
    }

    @Test
    void modelsAreListedAndAddableAtRuntime() {
        JsonNode list = json(client.get("/v1/models"));
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("data").findValuesAsText("id")).contains("sim-default", "support-bot", "generator");

        simulator.putModel(ModelBehaviour.builder("org/added-in-java").defaultReply("from java").build());
        assertThat(message(complete(chat("org/added-in-java", "x"))).get("content").asText()).isEqualTo("from java");

        HttpResponse<String> put = client.put("/admin/models/added-over-http",
                "{\"rules\":[{\"match\":\"(\\\\d+) \\\\+ (\\\\d+)\",\"reply\":\"$1 plus $2\"}],\"default\":\"?\"}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        assertThat(message(complete(chat("added-over-http", "what is 2 + 3"))).get("content").asText())
                .isEqualTo("2 plus 3");
        assertThat(json(client.get("/v1/models/added-over-http")).get("id").asText()).isEqualTo("added-over-http");
    }
}
