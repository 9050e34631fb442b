package io.agentmesh.infra.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One line of a model's script: when {@link #match} is found in the chosen text, the model answers
 * with {@link #reply} text, a {@link #json} document, or {@link #toolCalls}.
 *
 * <p>Replies, JSON string values and tool-call arguments may refer to the match's groups:
 * {@code $1}, {@code ${name}}; {@code $$} is a literal dollar. Build rules with
 * {@link #matching(String)} and the {@code withX} / {@code replying...} methods.
 *
 * @param match     the regular expression searched for (find, not full match); null matches anything
 * @param in        which text of the conversation is searched
 * @param lastRole  when not null, the rule applies only if the last message has this role
 *                  (e.g. {@link Role#TOOL} for the turn after a tool result)
 * @param reply     the text answer (may be null when {@code json} or {@code toolCalls} is given)
 * @param json      a JSON answer, sent as the message content (null when not used)
 * @param toolCalls tool calls to answer with (empty when not used)
 */
public record Rule(Pattern match, Scope in, Role lastRole, String reply, JsonNode json, List<ToolCall> toolCalls) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public Rule {
        Objects.requireNonNull(in, "in");
        toolCalls = List.copyOf(Objects.requireNonNull(toolCalls, "toolCalls"));
        if (reply != null && json != null) {
            throw new IllegalArgumentException("rule: give either reply or json, not both");
        }
        if (reply == null && json == null && toolCalls.isEmpty()) {
            throw new IllegalArgumentException("rule: needs a reply, json or toolCalls");
        }
        int groups = match == null ? 0 : match.matcher("").groupCount();
        if (reply != null) {
            Templates.check("reply", reply, match, groups);
        }
        if (json != null) {
            Templates.checkTree("json", json, match, groups);
        }
        for (int i = 0; i < toolCalls.size(); i++) {
            Templates.checkTree("toolCalls[" + i + "].arguments", toolCalls.get(i).arguments(), match, groups);
        }
    }

    /** Which text of the conversation a rule searches. */
    public enum Scope {
        /** The content of the last message with role user (the default). */
        LAST_USER("lastUser"),
        /** The content of the last message, whatever its role (e.g. a tool result). */
        LAST_MESSAGE("lastMessage"),
        /** The system (or developer) prompt. */
        SYSTEM("system"),
        /** Any message; the first that matches provides the groups. */
        ANY("any");

        private final String configName;

        Scope(String configName) {
            this.configName = configName;
        }

        /** The name used in config files. */
        public String configName() {
            return configName;
        }
    }

    /** The roles of OpenAI chat messages. */
    public enum Role {
        SYSTEM, DEVELOPER, USER, ASSISTANT, TOOL;

        /** The wire name: lower case. */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The role named {@code wire}, or null. */
        static Role fromWire(String wire) {
            for (Role r : values()) {
                if (r.wireName().equals(wire)) {
                    return r;
                }
            }
            return null;
        }
    }

    /** A rule searching the last user message for {@code regex}; add its answer with a {@code replying...} method. */
    public static Rule matching(String regex) {
        return new Rule(compile(regex), Scope.LAST_USER, null, "", null, List.of());
    }

    /** A rule that matches every request (subject to {@link #withLastRole}). */
    public static Rule always() {
        return new Rule(null, Scope.LAST_USER, null, "", null, List.of());
    }

    /** This rule answering with {@code text}. */
    public Rule replying(String text) {
        return new Rule(match, in, lastRole, Objects.requireNonNull(text, "reply"), null, toolCalls);
    }

    /** This rule answering with the JSON document {@code json} (text, checked here). */
    public Rule replyingJson(String json) {
        try {
            return new Rule(match, in, lastRole, null, JSON.readTree(json), toolCalls);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("rule json is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** This rule answering with a call of function {@code name} with {@code argumentsJson}; add more for parallel calls. */
    public Rule callingTool(String name, String argumentsJson) {
        try {
            List<ToolCall> calls = new java.util.ArrayList<>(toolCalls);
            calls.add(new ToolCall(name, JSON.readTree(argumentsJson)));
            String text = reply != null && reply.isEmpty() ? null : reply;
            return new Rule(match, in, lastRole, text, json, calls);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("tool call arguments are not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** This rule searching {@code scope} instead. */
    public Rule withIn(Scope scope) {
        return new Rule(match, scope, lastRole, reply, json, toolCalls);
    }

    /** This rule applying only when the last message has role {@code role}. */
    public Rule withLastRole(Role role) {
        return new Rule(match, in, role, reply, json, toolCalls);
    }

    static Pattern compile(String regex) {
        Objects.requireNonNull(regex, "match");
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("match is not a valid regular expression: " + e.getDescription()
                    + " near index " + e.getIndex() + " of " + regex, e);
        }
    }
}
