package io.agentmesh.infra.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.util.ArrayList;
import java.util.List;

/**
 * Streamed answers: {@code chat.completion.chunk} objects as server-sent events, as OpenAI sends them:
 * a first chunk with the role, one chunk per piece of text (a word and the space after it), one per
 * tool call, a last chunk with the finish reason, a usage chunk when asked, then {@code data: [DONE]}.
 */
final class Sse {

    private Sse() {
    }

    /** {@code text} cut after each run of whitespace that follows a word; at least one piece. */
    static List<String> pieces(String text) {
        List<String> pieces = new ArrayList<>();
        int start = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            while (i < n && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            pieces.add(text.substring(start, i));
            start = i;
        }
        if (pieces.isEmpty()) {
            pieces.add("");
        }
        return pieces;
    }

    static void stream(ChatHandler.Exchange exchange, String model, String id, long created, ChatRequest request,
                       Replies.Reply reply, long chunkMs, boolean malformed) {
        List<String> events = new ArrayList<>();
        ObjectNode first = chunk(id, created, model);
        ObjectNode delta = delta(first);
        delta.put("role", "assistant").put("content", "");
        events.add(first.toString());
        if (malformed) {
            events.add("{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\"" + (reply.content().length() > 8 ? reply.content().substring(0, 8) : ""));
            events.add("[DONE]");
            start(exchange.response);
            write(exchange, events, 0, events.size(), 0, false);
            return;
        }
        if (!reply.content().isEmpty()) {
            for (String piece : pieces(reply.content())) {
                ObjectNode c = chunk(id, created, model);
                delta(c).put("content", piece);
                events.add(c.toString());
            }
        }
        for (int i = 0; i < reply.toolCalls().size(); i++) {
            Replies.Reply.Call call = reply.toolCalls().get(i);
            ObjectNode c = chunk(id, created, model);
            ArrayNode calls = delta(c).putArray("tool_calls");
            ObjectNode tc = calls.addObject();
            tc.put("index", i).put("id", call.id()).put("type", "function");
            tc.putObject("function").put("name", call.name()).put("arguments", call.arguments());
            events.add(c.toString());
        }
        int tail = events.size();
        ObjectNode last = chunk(id, created, model);
        delta(last);
        ((ObjectNode) last.get("choices").get(0)).put("finish_reason", reply.finishReason());
        events.add(last.toString());
        if (request.includeUsage()) {
            ObjectNode usage = chunk(id, created, model);
            usage.putArray("choices");
            usage.set("usage", ChatHandler.usage(request, reply));
            events.add(usage.toString());
        }
        events.add("[DONE]");
        start(exchange.response);
        write(exchange, events, 0, tail, chunkMs, true);
    }

    private static void start(HttpServerResponse response) {
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache");
    }

    /**
     * Writes events from {@code from}: all at once when {@code chunkMs} is zero, else one piece per
     * timer tick; the finish, usage and [DONE] events ({@code tail} onwards) follow the last piece at once.
     */
    private static void write(ChatHandler.Exchange exchange, List<String> events, int from, int tail, long chunkMs,
                              boolean normal) {
        HttpServerResponse response = exchange.response;
        if (exchange.done || response.closed()) {
            return;
        }
        // The role chunk goes out with the first piece: the first token arrives after the latency.
        int upTo = chunkMs <= 0 ? events.size() : Math.min(from == 0 ? 2 : from + 1, events.size());
        if (upTo >= tail) {
            upTo = events.size();
        }
        Buffer some = Buffer.buffer();
        for (int i = from; i < upTo; i++) {
            some.appendString("data: ").appendString(events.get(i)).appendString("\n\n");
        }
        if (upTo == events.size()) {
            response.end(some);
            exchange.end(normal);
            return;
        }
        response.write(some);
        int next = upTo;
        exchange.after(chunkMs, () -> write(exchange, events, next, tail, chunkMs, normal));
    }

    private static ObjectNode chunk(String id, long created, String model) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model);
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("delta");
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return c;
    }

    private static ObjectNode delta(ObjectNode chunk) {
        return (ObjectNode) chunk.get("choices").get(0).get("delta");
    }
}
