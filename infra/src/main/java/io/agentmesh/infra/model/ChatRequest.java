package io.agentmesh.infra.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The parts of an OpenAI chat completion request the simulator uses, checked as OpenAI would.
 *
 * @param model          the model name
 * @param messages       the conversation
 * @param stream         answer as server-sent events
 * @param includeUsage   {@code stream_options.include_usage}
 * @param seed           the request's seed, null when absent
 * @param maxTokens      {@code max_completion_tokens} or {@code max_tokens}, null when absent
 * @param toolChoiceNone {@code tool_choice: "none"}: the model must not call tools
 * @param jsonFormat     {@code response_format} asks for JSON
 * @param toolsTokens    estimated tokens of the tool definitions
 */
record ChatRequest(String model, List<Message> messages, boolean stream, boolean includeUsage, Long seed,
                   Integer maxTokens, boolean toolChoiceNone, boolean jsonFormat, int toolsTokens) {

    private static final Set<String> FORMATS = Set.of("text", "json_object", "json_schema");

    /** One message: its role, its text (parts joined), and the estimated tokens of what is not text. */
    record Message(Rule.Role role, String content, int extraTokens) {
    }

    /** A request OpenAI would refuse with 400; {@link #param} names the offending field. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        final String param;

        Invalid(String param, String message) {
            super(message, null, false, false);
            this.param = param;
        }
    }

    static ChatRequest parse(JsonNode body) throws Invalid {
        if (body == null || !body.isObject()) {
            throw new Invalid(null, "the request body must be a JSON object");
        }
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) {
            throw new Invalid("model", "you must provide a model parameter");
        }
        if (!model.isTextual() || model.textValue().isBlank()) {
            throw new Invalid("model", "model must be a non-empty string");
        }
        List<Message> messages = messages(body.get("messages"));

        boolean stream = bool(body, "stream");
        boolean includeUsage = false;
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw new Invalid("stream_options", "stream_options must be an object");
            }
            includeUsage = bool(options, "include_usage");
        }
        Long seed = null;
        JsonNode s = body.get("seed");
        if (s != null && !s.isNull()) {
            if (!s.isIntegralNumber() || !s.canConvertToLong()) {
                throw new Invalid("seed", "seed must be an integer");
            }
            seed = s.longValue();
        }
        Integer maxTokens = positiveInt(body, "max_completion_tokens");
        if (maxTokens == null) {
            maxTokens = positiveInt(body, "max_tokens");
        }
        number(body, "temperature", 0, 2);
        number(body, "top_p", 0, 1);
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.intValue() == 1)) {
            throw new Invalid("n", "the simulator supports n = 1 only");
        }
        int toolsTokens = tools(body.get("tools"));
        boolean toolChoiceNone = toolChoiceNone(body.get("tool_choice"));
        boolean jsonFormat = false;
        JsonNode format = body.get("response_format");
        if (format != null && !format.isNull()) {
            JsonNode type = format.get("type");
            if (!format.isObject() || type == null || !type.isTextual() || !FORMATS.contains(type.textValue())) {
                throw new Invalid("response_format", "response_format.type must be text, json_object or json_schema");
            }
            jsonFormat = !type.textValue().equals("text");
        }
        return new ChatRequest(model.textValue(), messages, stream, includeUsage, seed, maxTokens, toolChoiceNone,
                jsonFormat, toolsTokens);
    }

    /** The content of the last message with {@code role}, or "" when there is none. */
    String last(Rule.Role role) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == role) {
                return messages.get(i).content();
            }
        }
        return "";
    }

    Message lastMessage() {
        return messages.getLast();
    }

    /** Estimated prompt tokens: per message 4 + its text, plus 3 for the reply's priming, plus the tools. */
    int promptTokens() {
        int tokens = 3 + toolsTokens;
        for (Message m : messages) {
            tokens += 4 + Tokens.estimate(m.content()) + m.extraTokens();
        }
        return tokens;
    }

    private static List<Message> messages(JsonNode node) throws Invalid {
        if (node == null || node.isNull()) {
            throw new Invalid("messages", "you must provide a messages parameter");
        }
        if (!node.isArray() || node.isEmpty()) {
            throw new Invalid("messages", "messages must be a non-empty array");
        }
        List<Message> result = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            String param = "messages[" + i + "]";
            JsonNode m = node.get(i);
            if (!m.isObject()) {
                throw new Invalid(param, param + " must be an object");
            }
            JsonNode r = m.get("role");
            Rule.Role role = r != null && r.isTextual() ? Rule.Role.fromWire(r.textValue()) : null;
            if (role == null) {
                throw new Invalid(param + ".role", param + ".role must be one of system, developer, user, assistant, tool; got "
                        + (r == null ? "nothing" : r.toString()));
            }
            int extra = 0;
            JsonNode toolCalls = m.get("tool_calls");
            if (toolCalls != null && !toolCalls.isNull()) {
                if (role != Rule.Role.ASSISTANT || !toolCalls.isArray()) {
                    throw new Invalid(param + ".tool_calls", param + ".tool_calls is allowed only on assistant messages, as an array");
                }
                extra += Tokens.estimate(toolCalls.toString());
            }
            if (role == Rule.Role.TOOL) {
                JsonNode id = m.get("tool_call_id");
                if (id == null || !id.isTextual()) {
                    throw new Invalid(param + ".tool_call_id", param + ".tool_call_id is required for tool messages");
                }
            }
            String content = content(m.get("content"), param, role, extra > 0);
            result.add(new Message(role, content, extra));
        }
        return result;
    }

    private static String content(JsonNode c, String param, Rule.Role role, boolean hasToolCalls) throws Invalid {
        if (c == null || c.isNull()) {
            if (role == Rule.Role.ASSISTANT && hasToolCalls) {
                return "";
            }
            throw new Invalid(param + ".content", param + ".content is required");
        }
        if (c.isTextual()) {
            return c.textValue();
        }
        if (c.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : c) {
                JsonNode t = part.get("text");
                if (t != null && t.isTextual()) {
                    if (!text.isEmpty()) {
                        text.append('\n');
                    }
                    text.append(t.textValue());
                } else if (!part.isObject() || !part.has("type")) {
                    throw new Invalid(param + ".content", param + ".content parts must be objects with a type");
                }
            }
            return text.toString();
        }
        throw new Invalid(param + ".content", param + ".content must be a string or an array of content parts");
    }

    private static int tools(JsonNode tools) throws Invalid {
        if (tools == null || tools.isNull()) {
            return 0;
        }
        if (!tools.isArray()) {
            throw new Invalid("tools", "tools must be an array");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode fn = tools.get(i).path("function").path("name");
            if (!fn.isTextual()) {
                throw new Invalid("tools[" + i + "]", "tools[" + i + "] must be {type: function, function: {name, ...}}");
            }
        }
        return Tokens.estimate(tools.toString());
    }

    private static boolean toolChoiceNone(JsonNode choice) throws Invalid {
        if (choice == null || choice.isNull()) {
            return false;
        }
        if (choice.isTextual()) {
            String c = choice.textValue();
            if (!Set.of("none", "auto", "required").contains(c)) {
                throw new Invalid("tool_choice", "tool_choice must be none, auto, required or an object");
            }
            return c.equals("none");
        }
        if (!choice.isObject()) {
            throw new Invalid("tool_choice", "tool_choice must be none, auto, required or an object");
        }
        return false;
    }

    private static boolean bool(JsonNode node, String field) throws Invalid {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new Invalid(field, field + " must be a boolean");
        }
        return v.booleanValue();
    }

    private static Integer positiveInt(JsonNode node, String field) throws Invalid {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
            throw new Invalid(field, field + " must be a positive integer");
        }
        return v.intValue();
    }

    private static void number(JsonNode node, String field, double min, double max) throws Invalid {
        JsonNode v = node.get(field);
        if (v != null && !v.isNull() && !(v.isNumber() && v.doubleValue() >= min && v.doubleValue() <= max)) {
            throw new Invalid(field, field + " must be a number between " + min + " and " + max);
        }
    }
}
