package io.agentmesh.agents.model;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The answer to a {@link ChatRequest}, with where it came from and what it cost.
 *
 * @param content      the text (JSON text when JSON was asked for); null when the model only called tools
 * @param toolCalls    tool calls the model asked for, never null
 * @param finishReason why generation stopped ({@code stop}, {@code length}, {@code tool_calls}, ...), or null
 * @param usage        tokens of the call that answered
 * @param latency      time of the call that answered (the whole retried call when {@link ResilientChatModel} reports it)
 * @param endpoint     name of the endpoint that answered
 * @param model        model id the server says answered
 * @param fallback     whether a fallback endpoint answered instead of the primary
 * @param failedAttempts the calls that failed before one answered, oldest first (each was followed by a
 *                     retry or the fallback); empty when the first call answered
 */
public record ChatResponse(String content, List<ToolCall> toolCalls, String finishReason, Usage usage,
                           Duration latency, String endpoint, String model, boolean fallback,
                           List<Attempt> failedAttempts) {

    public ChatResponse {
        failedAttempts = failedAttempts == null ? List.of() : List.copyOf(failedAttempts);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        usage = usage == null ? Usage.NONE : usage;
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(endpoint, "endpoint");
    }

    /** An answer of one endpoint's call, before any retrying decorator (no failed attempts). */
    public ChatResponse(String content, List<ToolCall> toolCalls, String finishReason, Usage usage,
                        Duration latency, String endpoint, String model, boolean fallback) {
        this(content, toolCalls, finishReason, usage, latency, endpoint, model, fallback, List.of());
    }

    /** Model calls made for this answer: the failed ones, the fallback's included, and the one that answered. */
    public int attempts() {
        return failedAttempts.size() + 1;
    }

    /** Whether the model asked for tool calls. */
    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }

    /** The assistant message to append to the conversation when continuing it. */
    public ChatMessage toMessage() {
        return ChatMessage.assistant(content, toolCalls);
    }

    /** This response as served through a retrying decorator. */
    ChatResponse withDelivery(Duration totalLatency, boolean viaFallback, List<Attempt> failed) {
        return new ChatResponse(content, toolCalls, finishReason, usage, totalLatency, endpoint, model,
                viaFallback || fallback, failed);
    }
}
