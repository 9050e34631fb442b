package io.agentmesh.agents.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One chat completion request. Unset (null) sampling parameters take the endpoint's defaults, then
 * the server's.
 *
 * @param model          model id to ask for; null (the usual case) means the endpoint's own model,
 *                       which is what lets a fallback endpoint serve the same request
 * @param messages       the conversation, at least one message
 * @param tools          functions the model may call, never null
 * @param toolChoice     whether it must call one; null for the server's default
 * @param temperature    sampling temperature in [0, 2], or null
 * @param maxTokens      completion token limit, or null
 * @param responseFormat text (default) or JSON, optionally with a schema that the answer is checked against
 * @param seed           sampling seed for providers that honour it, or null
 * @param deadline       when the caller stops waiting (a run's deadline), or null: not sent; the
 *                       call, its retries and its fallback end by then with {@link ModelDeadlineException}
 */
public record ChatRequest(String model, List<ChatMessage> messages, List<ToolDefinition> tools,
                          ToolChoice toolChoice, Double temperature, Integer maxTokens,
                          ResponseFormat responseFormat, Long seed, Instant deadline) {

    public ChatRequest {
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("messages must not be empty");
        }
        tools = tools == null ? List.of() : List.copyOf(tools);
        responseFormat = responseFormat == null ? ResponseFormat.TEXT : responseFormat;
        if (toolChoice != null && toolChoice.mode() == ToolChoice.Mode.FUNCTION
                && tools.stream().noneMatch(t -> t.name().equals(toolChoice.function()))) {
            throw new IllegalArgumentException("toolChoice names function '" + toolChoice.function()
                    + "' which is not among the tools");
        }
        new ModelParameters(temperature, maxTokens, null, seed); // same range checks
    }

    /** A request of these messages with every other setting left to the endpoint. */
    public static ChatRequest of(List<ChatMessage> messages) {
        return new ChatRequest(null, messages, List.of(), null, null, null, null, null, null);
    }

    /** A builder, for requests with more than messages. */
    public static Builder builder() {
        return new Builder();
    }

    /** This request asking for another model id (null: the endpoint's). */
    public ChatRequest withModel(String newModel) {
        return new ChatRequest(newModel, messages, tools, toolChoice, temperature, maxTokens, responseFormat, seed, deadline);
    }

    /** This request with these messages (a conversation continued with tool results, say). */
    public ChatRequest withMessages(List<ChatMessage> newMessages) {
        return new ChatRequest(model, newMessages, tools, toolChoice, temperature, maxTokens, responseFormat, seed, deadline);
    }

    /** Builds a {@link ChatRequest}; checks happen in {@link #build()}. */
    public static final class Builder {
        private String model;
        private final List<ChatMessage> messages = new ArrayList<>();
        private final List<ToolDefinition> tools = new ArrayList<>();
        private ToolChoice toolChoice;
        private Double temperature;
        private Integer maxTokens;
        private ResponseFormat responseFormat;
        private Long seed;
        private Instant deadline;

        private Builder() {
        }

        /** Model id override (normally left unset). */
        public Builder model(String value) {
            this.model = value;
            return this;
        }

        /** Appends a system message. */
        public Builder system(String content) {
            return message(ChatMessage.system(content));
        }

        /** Appends a user message. */
        public Builder user(String content) {
            return message(ChatMessage.user(content));
        }

        /** Appends a message. */
        public Builder message(ChatMessage value) {
            messages.add(Objects.requireNonNull(value, "message"));
            return this;
        }

        /** Appends messages. */
        public Builder messages(List<ChatMessage> values) {
            values.forEach(this::message);
            return this;
        }

        /** Adds a tool the model may call. */
        public Builder tool(ToolDefinition value) {
            tools.add(Objects.requireNonNull(value, "tool"));
            return this;
        }

        /** Sets the tool choice. */
        public Builder toolChoice(ToolChoice value) {
            this.toolChoice = value;
            return this;
        }

        /** Sets the temperature. */
        public Builder temperature(double value) {
            this.temperature = value;
            return this;
        }

        /** Sets the completion token limit. */
        public Builder maxTokens(int value) {
            this.maxTokens = value;
            return this;
        }

        /** Sets the response format. */
        public Builder responseFormat(ResponseFormat value) {
            this.responseFormat = value;
            return this;
        }

        /** Sets the sampling seed. */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** Sets when the caller stops waiting (null: no deadline beyond the endpoint's timeout). */
        public Builder deadline(Instant value) {
            this.deadline = value;
            return this;
        }

        /** The request; throws IllegalArgumentException naming the bad setting. */
        public ChatRequest build() {
            return new ChatRequest(model, messages, tools, toolChoice, temperature, maxTokens, responseFormat, seed, deadline);
        }
    }
}
