package io.agentmesh.infra.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code POST /v1/chat/completions}: validates the request, draws a fault and a latency, and answers
 * after a Vert.x timer (never by blocking the event loop), plain or as server-sent events.
 *
 * <p>Order, as a real server: malformed request (400) and unknown model (404) are answered at once
 * and not counted against the model; a 429 is answered at once (rejected at the door); a 500, a
 * malformed body and a normal answer come after the drawn latency; a hang never answers, or answers
 * normally after {@code hangFor}.
 */
final class ChatHandler implements Handler<RoutingContext> {

    private static final AtomicLong IDS = new AtomicLong();
    private static final String ID_PREFIX = "chatcmpl-sim" + Long.toHexString(System.nanoTime() & 0xFFFFFF) + "-";

    private final Registry registry;

    ChatHandler(Registry registry) {
        this.registry = registry;
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        Buffer body = ctx.body().buffer();
        if (body == null || body.length() == 0) {
            reject(response, 400, "the request body is empty; expected a JSON chat completion request", null);
            return;
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(body.getBytes());
        } catch (IOException e) {
            reject(response, 400, "the request body is not valid JSON: " + oneLine(e.getMessage()), null);
            return;
        }
        ChatRequest request;
        try {
            request = ChatRequest.parse(json);
        } catch (ChatRequest.Invalid e) {
            reject(response, 400, e.getMessage(), e.param);
            return;
        }
        ModelState state = registry.get(request.model());
        if (state == null) {
            registry.rejected();
            Errors.send(response, 404, "The model '" + request.model() + "' does not exist (models served: "
                    + String.join(", ", registry.behaviours().stream().map(ModelBehaviour::name).toList()) + ")",
                    "invalid_request_error", "model", "model_not_found");
            return;
        }
        serve(ctx.vertx(), response, state, request);
    }

    private void reject(HttpServerResponse response, int status, String message, String param) {
        registry.rejected();
        Errors.send(response, status, message, "invalid_request_error", param, null);
    }

    private static void serve(Vertx vertx, HttpServerResponse response, ModelState state, ChatRequest request) {
        ModelBehaviour model = state.behaviour();
        long n = state.begin();
        Exchange exchange = new Exchange(vertx, response, state);
        FaultKind fault = model.faults().decide(state.uniform(model.seed(), n, 0));
        long latencyMs = Math.round(model.latency().sampleMicros(
                state.uniform(model.seed(), n, 1), state.uniform(model.seed(), n, 2)) / 1000.0);
        if (fault != null) {
            state.fault(fault);
        }
        if (fault == FaultKind.RATE_LIMIT_429) {
            long seconds = (model.faults().retryAfter().toMillis() + 999) / 1000;
            response.putHeader("Retry-After", Long.toString(seconds))
                    .putHeader("retry-after-ms", Long.toString(model.faults().retryAfter().toMillis()));
            Errors.send(response, 429, "Rate limit reached for " + model.name() + " (simulated). Please try again in "
                    + seconds + "s.", "requests", null, "rate_limit_exceeded");
            exchange.end(false);
            return;
        }
        if (fault == FaultKind.HANG) {
            long hangMs = model.faults().hangFor().toMillis();
            if (hangMs > 0) {
                exchange.after(hangMs, () -> answer(exchange, model, request, null, 0));
            }
            return; // else: held until the client closes the connection or the simulator stops
        }
        Replies.Reply reply = Replies.choose(model, request);
        long chunkMs = model.chunkDelay().toMillis();
        if (request.stream()) {
            exchange.after(latencyMs, () -> answer(exchange, model, request, reply, chunkMs, fault, latencyMs));
        } else {
            long total = latencyMs + chunkMs * Math.max(0, Sse.pieces(reply.content()).size() - 1);
            exchange.after(total, () -> answer(exchange, model, request, reply, 0, fault, total));
        }
    }

    private static void answer(Exchange exchange, ModelBehaviour model, ChatRequest request, Replies.Reply reply,
                               long chunkMs) {
        answer(exchange, model, request, reply == null ? Replies.choose(model, request) : reply, chunkMs, null, 0);
    }

    private static void answer(Exchange exchange, ModelBehaviour model, ChatRequest request, Replies.Reply reply,
                               long chunkMs, FaultKind fault, long latencyMs) {
        HttpServerResponse response = exchange.response;
        if (exchange.done || response.closed()) {
            return;
        }
        response.putHeader("x-sim-latency-ms", Long.toString(latencyMs));
        String id = ID_PREFIX + IDS.incrementAndGet();
        long created = System.currentTimeMillis() / 1000;
        if (fault == FaultKind.ERROR_500) {
            Errors.send(response, 500, "The server had an error while processing your request (simulated).",
                    "server_error", null, "internal_error");
            exchange.end(false);
            return;
        }
        if (request.stream()) {
            Sse.stream(exchange, model.name(), id, created, request, reply, chunkMs, fault == FaultKind.MALFORMED);
            return;
        }
        String body = completion(id, created, model.name(), request, reply).toString();
        if (fault == FaultKind.MALFORMED) {
            body = body.substring(0, body.length() / 2);
        }
        response.putHeader("Content-Type", "application/json").end(body);
        exchange.end(fault == null);
    }

    static ObjectNode completion(String id, long created, String model, ChatRequest request, Replies.Reply reply) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("id", id).put("object", "chat.completion").put("created", created).put("model", model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (reply.toolCalls().isEmpty() || !reply.content().isEmpty()) {
            message.put("content", reply.content());
        } else {
            message.putNull("content");
        }
        if (!reply.toolCalls().isEmpty()) {
            ArrayNode calls = message.putArray("tool_calls");
            for (Replies.Reply.Call c : reply.toolCalls()) {
                ObjectNode call = calls.addObject();
                call.put("id", c.id()).put("type", "function");
                call.putObject("function").put("name", c.name()).put("arguments", c.arguments());
            }
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", reply.finishReason());
        root.set("usage", usage(request, reply));
        return root;
    }

    static ObjectNode usage(ChatRequest request, Replies.Reply reply) {
        int prompt = request.promptTokens();
        int completion = reply.completionTokens();
        return Json.MAPPER.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    private static String oneLine(String message) {
        String m = message == null ? "" : message;
        int cut = m.indexOf("\n at [Source");
        return (cut >= 0 ? m.substring(0, cut) : m).replace('\n', ' ');
    }

    /** One accepted request until it ends: cancels its timer if the client goes away, counts it once. */
    static final class Exchange {
        final Vertx vertx;
        final HttpServerResponse response;
        final ModelState state;
        long timer = -1;
        boolean done;

        Exchange(Vertx vertx, HttpServerResponse response, ModelState state) {
            this.vertx = vertx;
            this.response = response;
            this.state = state;
            response.closeHandler(v -> end(false));
        }

        /** Runs {@code action} after {@code delayMs} on this event loop (at once when zero). */
        void after(long delayMs, Runnable action) {
            if (delayMs <= 0) {
                action.run();
            } else {
                timer = vertx.setTimer(delayMs, t -> {
                    timer = -1;
                    action.run();
                });
            }
        }

        void end(boolean normally) {
            if (!done) {
                done = true;
                if (timer >= 0) {
                    vertx.cancelTimer(timer);
                    timer = -1;
                }
                state.end(normally);
            }
        }
    }

}
