package io.agentmesh.infra.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.agentmesh.infra.model.SimClient.JSON;
import static io.agentmesh.infra.model.SimClient.chat;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code stream: true}: server-sent chunks that reassemble to the full reply and end with [DONE]. */
class StreamingTest {

    static final String FOX = "The quick brown fox jumps over the lazy dog.";

    static ModelSimulator simulator;
    static SimClient client;

    @BeforeAll
    static void start() {
        simulator = ModelSimulator.builder().port(0).models(List.of(
                ModelBehaviour.builder("fox").defaultReply(FOX).build(),
                ModelBehaviour.builder("slow-fox").defaultReply(FOX).chunkDelay(Duration.ofMillis(20)).build(),
                ModelBehaviour.builder("caller").rule(Rule.matching("weather in (\\w+)")
                        .callingTool("get_weather", "{\"city\":\"$1\"}")).build())).build().start();
        client = new SimClient(simulator);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    /** One received {@code data:} line and when it arrived. */
    record Event(String data, long atNanos) {
        JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + data, e);
            }
        }
    }

    static List<Event> stream(ObjectNode body) throws Exception {
        body.put("stream", true);
        HttpRequest request = client.request("/v1/chat/completions", Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        HttpResponse<Stream<String>> response = client.http().send(request, HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        List<Event> events = new ArrayList<>();
        try (Stream<String> lines = response.body()) {
            lines.forEach(line -> {
                if (line.startsWith("data: ")) {
                    events.add(new Event(line.substring(6), System.nanoTime()));
                } else {
                    assertThat(line).isEmpty();
                }
            });
        }
        return events;
    }

    static String content(List<Event> events) {
        StringBuilder text = new StringBuilder();
        for (Event e : events.subList(0, events.size() - 1)) {
            JsonNode choices = e.json().get("choices");
            if (!choices.isEmpty() && choices.get(0).get("delta").has("content")) {
                text.append(choices.get(0).get("delta").get("content").asText());
            }
        }
        return text.toString();
    }

    @Test
    void chunksReassembleToTheReplyAndEndWithDone() throws Exception {
        List<Event> events = stream(chat("fox", "go"));

        assertThat(events.getLast().data()).isEqualTo("[DONE]");
        assertThat(events.size()).isGreaterThan(9);
        JsonNode first = events.getFirst().json();
        assertThat(first.get("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(first.get("choices").get(0).get("delta").get("role").asText()).isEqualTo("assistant");
        assertThat(content(events)).isEqualTo(FOX);
        JsonNode last = events.get(events.size() - 2).json();
        assertThat(last.get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
        assertThat(events.subList(0, events.size() - 1)).extracting(e -> e.json().get("id").asText()).containsOnly(
                first.get("id").asText());
    }

    @Test
    void includeUsageAddsAUsageChunkMatchingTheNonStreamedAnswer() throws Exception {
        ObjectNode body = chat("fox", "go");
        body.putObject("stream_options").put("include_usage", true);
        List<Event> events = stream(body);

        JsonNode usageChunk = events.get(events.size() - 2).json();
        assertThat(usageChunk.get("choices")).isEmpty();
        JsonNode plain = SimClient.json(client.post("/v1/chat/completions", chat("fox", "go")));
        assertThat(usageChunk.get("usage")).isEqualTo(plain.get("usage"));
    }

    @Test
    void chunksArriveOverTimeWithAChunkDelay() throws Exception {
        stream(chat("fox", "warm up the client"));
        long sent = System.nanoTime();
        List<Event> events = stream(chat("slow-fox", "go"));

        assertThat(content(events)).isEqualTo(FOX);
        // 9 words: the first goes with the role chunk, the 8 others 20 ms apart, so [DONE] cannot come
        // before 160 ms; the first chunks come well before it (the client may read them a little late).
        double totalMs = (events.getLast().atNanos() - sent) / 1e6;
        double spreadMs = (events.getLast().atNanos() - events.getFirst().atNanos()) / 1e6;
        assertThat(totalMs).isGreaterThanOrEqualTo(8 * 20 - 2);
        assertThat(spreadMs).isGreaterThanOrEqualTo(80);
    }

    @Test
    void toolCallsAreStreamed() throws Exception {
        List<Event> events = stream(chat("caller", "weather in Rome"));

        JsonNode call = events.get(1).json().get("choices").get(0).get("delta").get("tool_calls").get(0);
        assertThat(call.get("index").asInt()).isZero();
        assertThat(call.get("id").asText()).startsWith("call_");
        assertThat(call.get("function").get("name").asText()).isEqualTo("get_weather");
        assertThat(JSON.readTree(call.get("function").get("arguments").asText()).get("city").asText()).isEqualTo("Rome");
        assertThat(events.get(events.size() - 2).json().get("choices").get(0).get("finish_reason").asText())
                .isEqualTo("tool_calls");
        assertThat(events.getLast().data()).isEqualTo("[DONE]");
    }
}
