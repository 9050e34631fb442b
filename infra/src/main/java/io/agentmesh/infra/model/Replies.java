package io.agentmesh.infra.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;

/** Chooses what a model answers to a request: the first matching rule, else the default or a seeded generated text. */
final class Replies {

    private static final String[] WORDS = {
        "the", "agent", "model", "answer", "request", "graph", "run", "topic", "partition", "message",
        "tool", "result", "state", "checkpoint", "retry", "replica", "consumer", "producer", "latency", "token",
        "is", "was", "will", "can", "should", "may", "has", "returns", "reads", "writes",
        "a", "every", "each", "one", "some", "this", "that", "its", "our", "their",
        "quickly", "safely", "again", "later", "now", "often", "always", "never", "only", "also",
        "and", "or", "but", "so", "then", "because", "while", "when", "after", "before",
        "broker", "queue", "stream", "record",
    };

    private static final java.util.regex.Pattern ANYTHING = java.util.regex.Pattern.compile("");

    private Replies() {
    }

    /** What the assistant says: text content (may be empty), tool calls, and why it stopped. */
    record Reply(String content, List<Call> toolCalls, String finishReason) {

        /** One tool call as sent on the wire. */
        record Call(String id, String name, String arguments) {
        }

        int completionTokens() {
            int tokens = Tokens.estimate(content);
            for (Call c : toolCalls) {
                tokens += 3 + Tokens.estimate(c.name()) + Tokens.estimate(c.arguments());
            }
            return tokens;
        }
    }

    static Reply choose(ModelBehaviour model, ChatRequest request) {
        Rule.Role lastRole = request.lastMessage().role();
        for (Rule rule : model.rules()) {
            if (rule.lastRole() != null && rule.lastRole() != lastRole) {
                continue;
            }
            if (!rule.toolCalls().isEmpty() && request.toolChoiceNone()) {
                continue;
            }
            Matcher m = find(rule, request);
            if (m != null) {
                return answer(model, rule, m, request);
            }
        }
        String text = model.defaultReply() == null ? generate(model, request) : fill(model, request);
        return finish(text, List.of(), request);
    }

    /** The matcher positioned on the match, or null; for a rule without a pattern, a matcher on "". */
    private static Matcher find(Rule rule, ChatRequest request) {
        if (rule.match() == null) {
            Matcher always = ANYTHING.matcher("");
            always.find();
            return always;
        }
        switch (rule.in()) {
            case LAST_USER -> {
                return found(rule.match().matcher(request.last(Rule.Role.USER)));
            }
            case LAST_MESSAGE -> {
                return found(rule.match().matcher(request.lastMessage().content()));
            }
            case SYSTEM -> {
                String system = request.last(Rule.Role.SYSTEM);
                if (system.isEmpty()) {
                    system = request.last(Rule.Role.DEVELOPER);
                }
                return found(rule.match().matcher(system));
            }
            default -> {
                for (ChatRequest.Message message : request.messages()) {
                    Matcher m = found(rule.match().matcher(message.content()));
                    if (m != null) {
                        return m;
                    }
                }
                return null;
            }
        }
    }

    private static Matcher found(Matcher m) {
        return m.find() ? m : null;
    }

    private static Reply answer(ModelBehaviour model, Rule rule, Matcher m, ChatRequest request) {
        String content;
        if (rule.json() != null) {
            content = Templates.expandTree(rule.json(), m).toString();
        } else if (rule.reply() != null) {
            content = Templates.expand(rule.reply(), m);
        } else {
            content = "";
        }
        if (rule.toolCalls().isEmpty()) {
            return finish(content, List.of(), request);
        }
        long h = requestHash(model, request);
        List<Reply.Call> calls = new ArrayList<>(rule.toolCalls().size());
        for (int i = 0; i < rule.toolCalls().size(); i++) {
            ToolCall call = rule.toolCalls().get(i);
            String id = "call_" + String.format("%016x", SplitMix.mix(h + i)).substring(0, 16);
            calls.add(new Reply.Call(id, call.name(), Templates.expandTree(call.arguments(), m).toString()));
        }
        // Tool calls are never cut by max_tokens: a truncated call helps no test.
        return new Reply(content, List.copyOf(calls), "tool_calls");
    }

    /** Applies response_format and max_tokens to a text reply. */
    private static Reply finish(String text, List<Reply.Call> calls, ChatRequest request) {
        String content = text;
        if (request.jsonFormat() && !looksLikeJson(content)) {
            ObjectNode wrapped = Json.MAPPER.createObjectNode().put("content", content);
            content = wrapped.toString();
        }
        String finish = "stop";
        Integer max = request.maxTokens();
        if (max != null && Tokens.estimate(content) > max) {
            content = content.substring(0, Math.min(content.length(), max * 4));
            finish = "length";
        }
        return new Reply(content, calls, finish);
    }

    /** JSON, or JSON in a Markdown code fence (as real models often send it even when asked for JSON). */
    private static boolean looksLikeJson(String text) {
        String t = text.strip();
        if (t.startsWith("```") && t.endsWith("```") && t.indexOf('\n') > 0) {
            t = t.substring(t.indexOf('\n') + 1, t.length() - 3).strip();
        }
        if (!(t.startsWith("{") || t.startsWith("["))) {
            return false;
        }
        try {
            JsonNode ignored = Json.MAPPER.readTree(t);
            return ignored != null;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return false;
        }
    }

    private static String fill(ModelBehaviour model, ChatRequest request) {
        String t = model.defaultReply();
        if (t.indexOf("{{") < 0) {
            return t;
        }
        return t.replace("{{lastUser}}", request.last(Rule.Role.USER))
                .replace("{{lastMessage}}", request.lastMessage().content())
                .replace("{{model}}", model.name());
    }

    /** A text of 12 to 48 words that depends only on the model seed, the request seed and the messages. */
    static String generate(ModelBehaviour model, ChatRequest request) {
        long h = requestHash(model, request);
        int words = 12 + (int) Long.remainderUnsigned(h, 37);
        StringBuilder text = new StringBuilder(words * 7);
        boolean capital = true;
        for (int i = 0; i < words; i++) {
            long x = SplitMix.mix(h + SplitMix.GOLDEN * (i + 1));
            String word = WORDS[(int) Long.remainderUnsigned(x, WORDS.length)];
            if (i > 0) {
                text.append(' ');
            }
            text.append(capital ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : word);
            capital = false;
            if (i == words - 1 || (x >>> 60) == 0 && i > 2) {
                text.append('.');
                capital = true;
            }
        }
        return text.toString();
    }

    private static long requestHash(ModelBehaviour model, ChatRequest request) {
        long h = SplitMix.mix(model.seed() ^ SplitMix.hash(request.seed() == null ? 0 : request.seed(), model.name()));
        for (ChatRequest.Message m : request.messages()) {
            h = SplitMix.hash(h + m.role().ordinal(), m.content());
        }
        return h;
    }
}
