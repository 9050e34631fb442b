package io.agentmesh.agents.model;

import java.util.List;
import java.util.Objects;

/**
 * One message of a conversation.
 *
 * @param role       who speaks
 * @param content    the text; may be null only for an assistant message that carries tool calls
 * @param toolCalls  tool calls the assistant made (assistant messages only), never null
 * @param toolCallId the call this message answers (tool messages only), else null
 */
public record ChatMessage(Role role, String content, List<ToolCall> toolCalls, String toolCallId) {

    /** Who speaks; {@link #wireName()} is the OpenAI spelling. */
    public enum Role {
        SYSTEM, USER, ASSISTANT, TOOL;

        /** The lower-case name used on the wire. */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Role fromWire(String name) {
            return valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
    }

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        if (!toolCalls.isEmpty() && role != Role.ASSISTANT) {
            throw new IllegalArgumentException("only assistant messages carry tool calls, not " + role);
        }
        if (role == Role.TOOL && (toolCallId == null || toolCallId.isBlank())) {
            throw new IllegalArgumentException("a tool message needs the toolCallId it answers");
        }
        if (content == null && !(role == Role.ASSISTANT && !toolCalls.isEmpty())) {
            throw new IllegalArgumentException("content of a " + role + " message must not be null");
        }
    }

    /** A system prompt. */
    public static ChatMessage system(String content) {
        return new ChatMessage(Role.SYSTEM, content, List.of(), null);
    }

    /** A user turn. */
    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content, List.of(), null);
    }

    /** An assistant turn with text. */
    public static ChatMessage assistant(String content) {
        return new ChatMessage(Role.ASSISTANT, content, List.of(), null);
    }

    /** An assistant turn that called tools (as returned in {@link ChatResponse#toolCalls()}). */
    public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
        return new ChatMessage(Role.ASSISTANT, content, toolCalls, null);
    }

    /** The result of one tool call, fed back to the model. */
    public static ChatMessage tool(String toolCallId, String content) {
        return new ChatMessage(Role.TOOL, content, List.of(), toolCallId);
    }
}
