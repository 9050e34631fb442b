package io.agentmesh.agents.model;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A tiny HTTP server on 127.0.0.1 that answers with a script, for exact sequences the simulator's
 * rate-based faults cannot promise (500 then 200; headers then a stalled body). Records requests.
 */
final class ScriptedServer implements AutoCloseable {

    /** One scripted answer; {@code stallAfterHeaders} sends the headers and then waits that long before the body. */
    record Reply(int status, Map<String, String> headers, String body, Duration stallAfterHeaders) {
        static Reply ok(String content) {
            return new Reply(200, Map.of(), completion(content), Duration.ZERO);
        }

        static Reply status(int status, String body) {
            return new Reply(status, Map.of(), body, Duration.ZERO);
        }

        Reply withHeader(String name, String value) {
            Map<String, String> h = new java.util.HashMap<>(headers);
            h.put(name, value);
            return new Reply(status, h, body, stallAfterHeaders);
        }
    }

    /** A request as received. */
    record Received(long atNanos, Map<String, List<String>> headers, String body) {
    }

    private final HttpServer server;
    private final ConcurrentLinkedQueue<Reply> script = new ConcurrentLinkedQueue<>();
    private volatile Reply last = Reply.ok("default");
    final List<Received> received = new CopyOnWriteArrayList<>();

    ScriptedServer(Reply... replies) throws IOException {
        script.addAll(List.of(replies));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    static String completion(String content) {
        return OpenAiJson.MAPPER.createObjectNode()
                .put("id", "chatcmpl-1").put("object", "chat.completion").put("model", "scripted")
                .set("choices", OpenAiJson.MAPPER.createArrayNode().add(OpenAiJson.MAPPER.createObjectNode()
                        .put("index", 0).put("finish_reason", "stop")
                        .set("message", OpenAiJson.MAPPER.createObjectNode().put("role", "assistant").put("content", content))))
                .toString();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(System.nanoTime(), Map.copyOf(exchange.getRequestHeaders()), body));
            Reply reply = script.poll();
            if (reply == null) {
                reply = last;
            }
            last = reply;
            byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(reply.status(), bytes.length);
            OutputStream out = exchange.getResponseBody();
            if (!reply.stallAfterHeaders().isZero()) {
                out.write(bytes, 0, 1);
                out.flush();
                Thread.sleep(reply.stallAfterHeaders());
            }
            out.write(bytes, reply.stallAfterHeaders().isZero() ? 0 : 1, bytes.length - (reply.stallAfterHeaders().isZero() ? 0 : 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client went away (timeout test): nothing to do
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
