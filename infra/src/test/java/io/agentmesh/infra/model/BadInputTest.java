package io.agentmesh.infra.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static io.agentmesh.infra.model.SimClient.JSON;
import static io.agentmesh.infra.model.SimClient.chat;
import static io.agentmesh.infra.model.SimClient.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Bad requests get a 4xx with an OpenAI-style error that says what is wrong. */
class BadInputTest {

    static ModelSimulator simulator;
    static SimClient client;

    @BeforeAll
    static void start() {
        simulator = ModelSimulator.builder().port(0).build().start();
        client = new SimClient(simulator);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    static JsonNode error(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode error = json(response).get("error");
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(error.has("type")).isTrue();
        assertThat(error.has("code")).isTrue();
        return error;
    }

    @Test
    void malformedJsonIsRefused() {
        JsonNode e = error(client.post("/v1/chat/completions", "{\"model\": \"sim-default\", "), 400);
        assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(e.get("message").asText()).contains("not valid JSON");
    }

    @Test
    void missingModelIsRefused() {
        ObjectNode body = chat("x", "hi");
        body.remove("model");
        JsonNode e = error(client.post("/v1/chat/completions", body), 400);
        assertThat(e.get("param").asText()).isEqualTo("model");
        assertThat(e.get("message").asText()).contains("model");
    }

    @Test
    void unknownModelIs404() {
        JsonNode e = error(client.post("/v1/chat/completions", chat("gpt-17", "hi")), 404);
        assertThat(e.get("code").asText()).isEqualTo("model_not_found");
        assertThat(e.get("message").asText()).contains("gpt-17").contains("sim-default");
        error(client.get("/v1/models/gpt-17"), 404);
    }

    @Test
    void badMessagesAreNamed() {
        ObjectNode noMessages = JSON.createObjectNode().put("model", "sim-default");
        assertThat(error(client.post("/v1/chat/completions", noMessages), 400).get("param").asText())
                .isEqualTo("messages");

        ObjectNode badRole = chat("sim-default", "hi");
        ((ObjectNode) badRole.get("messages").get(0)).put("role", "wizard");
        assertThat(error(client.post("/v1/chat/completions", badRole), 400).get("message").asText())
                .contains("messages[0].role").contains("wizard");

        ObjectNode toolWithoutId = chat("sim-default", "hi");
        SimClient.messages(toolWithoutId).addObject().put("role", "tool").put("content", "42");
        assertThat(error(client.post("/v1/chat/completions", toolWithoutId), 400).get("param").asText())
                .isEqualTo("messages[1].tool_call_id");

        assertThat(error(client.post("/v1/chat/completions", chat("sim-default", "hi").put("temperature", 7)), 400)
                .get("param").asText()).isEqualTo("temperature");
        assertThat(error(client.post("/v1/chat/completions", chat("sim-default", "hi").put("stream", "yes")), 400)
                .get("param").asText()).isEqualTo("stream");
    }

    @Test
    void unknownPathsAndMethodsAreRefused() {
        assertThat(error(client.get("/v2/whatever"), 404).get("message").asText()).contains("/v2/whatever");
        error(client.get("/v1/chat/completions"), 405);
    }

    @Test
    void badModelConfigOverHttpNamesTheField() {
        HttpResponse<String> r = client.put("/admin/models/m",
                "{\"latency\": {\"type\": \"lognormal\", \"median\": \"soon\", \"sigma\": 0.5}}");
        assertThat(error(r, 400).get("message").asText())
                .contains("PUT /admin/models/m: latency.median: expected a duration");

        HttpResponse<String> otherName = client.put("/admin/models/m", "{\"name\": \"n\"}");
        assertThat(error(otherName, 400).get("message").asText()).contains("differs from the name in the path");
        error(client.put("/admin/models/m", "[1, 2"), 400);
    }

    @Test
    void rejectedRequestsAreCountedApart() {
        long before = simulator.stats().rejected();
        client.post("/v1/chat/completions", "nope");
        assertThat(simulator.stats().rejected()).isEqualTo(before + 1);
    }
}
