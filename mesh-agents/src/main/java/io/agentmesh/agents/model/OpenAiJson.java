package io.agentmesh.agents.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmesh.core.wire.JsonMappers;
import java.util.ArrayList;
import java.util.List;

/** Maps requests to and answers from the OpenAI chat completions JSON. */
final class OpenAiJson {

    static final ObjectMapper MAPPER = JsonMappers.create();
    private static final int MAX_DETAIL = 300;

    /** A parsed 2xx answer, before the client adds latency and delivery details. */
    record Completion(String content, List<ToolCall> toolCalls, String finishReason, Usage usage, String model) {
    }

    private OpenAiJson() {
    }

    /**
     * The request body as UTF-8 JSON; endpoint defaults fill what the request leaves unset. Written
     * by {@link #MAPPER}, whose buffers are pooled across threads ({@code JsonNode.toString()} uses
     * Jackson's own mapper, whose per-thread buffers a virtual thread allocates afresh every call).
     */
    static byte[] requestBody(ChatRequest request, ModelEndpoint endpoint) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("model", request.model() != null ? request.model() : endpoint.modelId());
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : request.messages()) {
            ObjectNode node = messages.addObject();
            node.put("role", m.role().wireName());
            if (m.content() == null) {
                node.putNull("content");
            } else {
                node.put("content", m.content());
            }
            if (!m.toolCalls().isEmpty()) {
                ArrayNode calls = node.putArray("tool_calls");
                for (ToolCall call : m.toolCalls()) {
                    ObjectNode c = calls.addObject();
                    c.put("id", call.id());
                    c.put("type", "function");
                    c.putObject("function").put("name", call.name()).put("arguments", call.arguments());
                }
            }
            if (m.toolCallId() != null) {
                node.put("tool_call_id", m.toolCallId());
            }
        }
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (ToolDefinition tool : request.tools()) {
                ObjectNode fn = tools.addObject().put("type", "function").putObject("function");
                fn.put("name", tool.name());
                if (tool.description() != null) {
                    fn.put("description", tool.description());
                }
                fn.set("parameters", tool.parameters());
            }
        }
        if (request.toolChoice() != null) {
            ToolChoice choice = request.toolChoice();
            switch (choice.mode()) {
                case AUTO -> body.put("tool_choice", "auto");
                case NONE -> body.put("tool_choice", "none");
                case REQUIRED -> body.put("tool_choice", "required");
                case FUNCTION -> body.putObject("tool_choice").put("type", "function")
                        .putObject("function").put("name", choice.function());
            }
        }
        ModelParameters defaults = endpoint.defaults();
        Double temperature = request.temperature() != null ? request.temperature() : defaults.temperature();
        Integer maxTokens = request.maxTokens() != null ? request.maxTokens() : defaults.maxTokens();
        Long seed = request.seed() != null ? request.seed() : defaults.seed();
        if (temperature != null) {
            body.put("temperature", temperature);
        }
        if (defaults.topP() != null) {
            body.put("top_p", defaults.topP());
        }
        if (maxTokens != null) {
            body.put("max_tokens", maxTokens);
        }
        if (seed != null) {
            body.put("seed", seed);
        }
        ResponseFormat format = request.responseFormat();
        switch (format.type()) {
            case TEXT -> { }
            case JSON_OBJECT -> body.putObject("response_format").put("type", "json_object");
            case JSON_SCHEMA -> {
                ObjectNode schema = body.putObject("response_format").put("type", "json_schema")
                        .putObject("json_schema");
                schema.put("name", format.name());
                schema.set("schema", format.schema());
                schema.put("strict", format.strict());
            }
        }
        body.put("stream", false);
        try {
            return MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    /** Parses a 2xx body; anything that is not a usable completion is a {@link ModelProtocolException}. */
    static Completion parseCompletion(String endpoint, String body) throws ModelProtocolException {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ModelProtocolException(endpoint, "body is not JSON: " + abbreviate(body), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelProtocolException(endpoint, "body is not a JSON object: " + abbreviate(body), null);
        }
        if (root.hasNonNull("error")) {
            throw new ModelProtocolException(endpoint, "2xx with an error body: " + errorDetail(body), null);
        }
        JsonNode choices = root.path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
            throw new ModelProtocolException(endpoint, "no choices in " + abbreviate(body), null);
        }
        JsonNode choice = choices.get(0);
        JsonNode message = choice.path("message");
        if (!message.isObject()) {
            throw new ModelProtocolException(endpoint, "choice without a message in " + abbreviate(body), null);
        }
        JsonNode contentNode = message.path("content");
        String content = contentNode.isTextual() ? contentNode.asText() : null;
        List<ToolCall> toolCalls = new ArrayList<>();
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode fn = call.path("function");
            if (!fn.path("name").isTextual()) {
                throw new ModelProtocolException(endpoint, "tool call without a function name: " + abbreviate(call.toString()), null);
            }
            JsonNode args = fn.path("arguments");
            String arguments = args.isTextual() ? args.asText() : args.isMissingNode() || args.isNull() ? "{}" : args.toString();
            String id = call.path("id").isTextual() ? call.path("id").asText() : "call_" + toolCalls.size();
            toolCalls.add(new ToolCall(id, fn.path("name").asText(), arguments));
        }
        if (content == null && toolCalls.isEmpty()) {
            throw new ModelProtocolException(endpoint, "message has neither content nor tool calls: " + abbreviate(body), null);
        }
        JsonNode finish = choice.path("finish_reason");
        JsonNode usage = root.path("usage");
        Usage tokens = usage.isObject()
                ? new Usage(Math.max(0, usage.path("prompt_tokens").asInt(0)), Math.max(0, usage.path("completion_tokens").asInt(0)))
                : Usage.NONE;
        String model = root.path("model").isTextual() ? root.path("model").asText() : null;
        return new Completion(content, toolCalls, finish.isTextual() ? finish.asText() : null, tokens, model);
    }

    /** The human part of an error body (OpenAI {@code error.message} or vLLM's top-level {@code message}), shortened. */
    static String errorDetail(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            JsonNode root = MAPPER.readTree(body);
            if (root != null) {
                JsonNode error = root.path("error");
                if (error.path("message").isTextual()) {
                    return abbreviate(error.path("message").asText());
                }
                if (error.isTextual()) {
                    return abbreviate(error.asText());
                }
                if (root.path("message").isTextual()) {
                    return abbreviate(root.path("message").asText());
                }
            }
        } catch (JsonProcessingException e) {
            // not JSON: show the start of the text
        }
        return abbreviate(body);
    }

    static String abbreviate(String text) {
        if (text == null) {
            return "null";
        }
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= MAX_DETAIL ? oneLine : oneLine.substring(0, MAX_DETAIL) + "...";
    }
}
