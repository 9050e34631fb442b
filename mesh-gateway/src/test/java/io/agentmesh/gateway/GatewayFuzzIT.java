package io.agentmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Thousands of malformed requests: random bytes, huge bodies, deep nesting, invalid UTF-8, wrong
 * methods and content types, unknown paths, broken headers, raw garbage on the socket. None may
 * get a 5xx, and the gateway must be healthy (and its event loops never blocked) afterwards.
 */
@MeshInfraTest
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class GatewayFuzzIT {

  private static final int REQUESTS = 4_000;
  private static final int RAW_CONNECTIONS = 300;
  private static final long SEED = Long.getLong("fuzz.seed", 20261121L);

  private final SharedInfra infra;

  GatewayFuzzIT(SharedInfra infra) {
    this.infra = infra;
  }

  @Test
  void malformedRequestsNeverGet5xxAndLeaveTheGatewayHealthy() throws Exception {
    try (RunningGraph graph = RunningGraph.pipeline(infra, infra.uniqueName("fuzz"), "sim-default", "answer");
         Gateway gateway = Gateways.start(infra, List.of(graph.graph), AuthConfig.none(),
             Limits.defaults().withRateLimit(0, 1).withMaxBodyBytes(64 * 1024));
         ExecutorService pool = Executors.newFixedThreadPool(8)) {
      String base = gateway.url();
      String runs = "/v1/graphs/" + graph.graph.name() + "/runs";
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
      Map<String, LongAdder> statuses = new ConcurrentHashMap<>();
      List<String> serverErrors = java.util.Collections.synchronizedList(new ArrayList<>());
      AtomicInteger sent = new AtomicInteger();
      long began = System.nanoTime();

      List<CompletableFuture<Void>> work = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        Random random = new Random(SEED + i);
        Case c = fuzzCase(random, base, runs);
        work.add(CompletableFuture.runAsync(() -> {
          try {
            HttpResponse<String> response = client.send(c.request.get(), HttpResponse.BodyHandlers.ofString());
            statuses.computeIfAbsent(Integer.toString(response.statusCode()), s -> new LongAdder()).increment();
            if (response.statusCode() >= 500) {
              serverErrors.add(c.name + " -> " + response.statusCode() + " " + response.body());
            } else if (response.statusCode() >= 400 && !response.body().startsWith("{\"error\"")) {
              serverErrors.add(c.name + " -> " + response.statusCode() + " without a JSON error: " + response.body());
            }
          } catch (java.io.IOException e) {
            statuses.computeIfAbsent("io:" + e.getClass().getSimpleName(), s -> new LongAdder()).increment();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (IllegalArgumentException e) {
            statuses.computeIfAbsent("client-refused", s -> new LongAdder()).increment(); // the JDK client would not send it
          }
          sent.incrementAndGet();
        }, pool));
      }
      for (int i = 0; i < RAW_CONNECTIONS; i++) {
        Random random = new Random(SEED * 31 + i);
        work.add(CompletableFuture.runAsync(() -> {
          int status = rawGarbage(gateway.port(), random);
          statuses.computeIfAbsent("raw:" + status, s -> new LongAdder()).increment();
          if (status >= 500) {
            serverErrors.add("raw garbage -> " + status);
          }
        }, pool));
      }
      CompletableFuture.allOf(work.toArray(CompletableFuture[]::new)).get(200, TimeUnit.SECONDS);
      System.out.printf("fuzz: %d requests + %d raw connections in %d ms; statuses %s%n", sent.get(), RAW_CONNECTIONS,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), statuses);

      assertThat(serverErrors).isEmpty();
      Http http = new Http(base);
      assertThat(http.get("/health/ready").status()).isEqualTo(200);
      Http.Reply ok = http.post(runs + "?wait=30s", "{\"question\": \"still fine?\"}");
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.json().path("status").asText()).isEqualTo("SUCCEEDED");
      assertThat(gateway.blockedThreadEvents()).isZero();
    }
  }

  private record Case(String name, Supplier<HttpRequest> request) {}

  private static Case fuzzCase(Random random, String base, String runs) {
    int kind = random.nextInt(12);
    return switch (kind) {
      case 0 -> new Case("random bytes", () -> post(base + runs, "application/json", randomBytes(random, random.nextInt(2_000))));
      case 1 -> new Case("invalid UTF-8", () -> post(base + runs, "application/json", invalidUtf8(random)));
      case 2 -> new Case("deep nesting", () -> post(base + runs, "application/json", deep(random)));
      case 3 -> new Case("huge body", () -> post(base + runs, "application/json", huge(random)));
      case 4 -> new Case("wrong method", () -> HttpRequest.newBuilder(URI.create(base + pick(random, runs, "/v1/runs/x", "/v1/graphs", "/health/ready", "/metrics")))
          .method(pick(random, "PUT", "PATCH", "DELETE", "POST", "OPTIONS", "TRACE", "FOO", "GET"),
              HttpRequest.BodyPublishers.ofByteArray(randomBytes(random, random.nextInt(100)))).timeout(Duration.ofSeconds(30)).build());
      case 5 -> new Case("wrong content type", () -> post(base + runs, pick(random, "text/plain", "multipart/form-data; boundary=xx",
          "application/x-www-form-urlencoded", "application/xml", "application/json; charset=latin1", "*/*", "application/jsonx"),
          pick(random, "a=b&c=%ZZ", "--xx\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n--xx--", "{\"question\":\"x\"}", "<x/>")
              .getBytes(StandardCharsets.ISO_8859_1)));
      case 6 -> new Case("unknown path", () -> HttpRequest.newBuilder(URI.create(base + randomPath(random))).GET().timeout(Duration.ofSeconds(30)).build());
      case 7 -> new Case("bad envelope", () -> post(base + runs, "application/json", pick(random,
          "{\"input\": 1, \"runId\": 5}", "{\"input\": 1, \"deadline\": \"tomorrow\"}", "{\"input\": 1, \"metadata\": {\"a\": []}}",
          "{\"input\": 1, \"runId\": \"a{b}\"}", "{\"input\": 1, \"runId\": \"\"}", "{\"input\": {\"question\": \"x\"}, \"runId\": \"" + "r".repeat(300) + "\"}",
          "[]", "null", "42", "\"text\"", "{\"question\": null}", "{\"question\": \"\"}", "{\"question\": [\"x\"]}", "{} {}", "").getBytes(StandardCharsets.UTF_8)));
      case 8 -> new Case("bad parameters", () -> HttpRequest.newBuilder(URI.create(base + runs + "?wait=" + pick(random, "-1", "0", "abc", "99999999999", "PT-5S", "1h", "%20", "1e9", "")))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"question\": \"q\"}")).timeout(Duration.ofSeconds(30)).build());
      case 9 -> new Case("bad headers", () -> HttpRequest.newBuilder(URI.create(base + pick(random, runs, "/v1/runs/abc/events", "/v1/graphs")))
          .header("Content-Type", "application/json")
          .header("Idempotency-Key", pick(random, "x".repeat(300), "has space", "é", "\t"))
          .header("Last-Event-ID", pick(random, "-1", "99999999999999999999", "x"))
          .header("Authorization", pick(random, "Bearer", "Bearer a.b.c", "Basic Zm9vOmJhcg==", "ApiKey "))
          .header("traceparent", pick(random, "garbage", "00-" + "0".repeat(32) + "-" + "0".repeat(16) + "-01"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"question\": \"q\"}")).timeout(Duration.ofSeconds(30)).build());
      case 10 -> new Case("bad run id", () -> HttpRequest.newBuilder(URI.create(base + "/v1/runs/" + pick(random, "%7Bx%7D", "%00", "a%2Fb", "x".repeat(500), "..", "%E2%82", "%ZZ") + pick(random, "", "/events")))
          .method(pick(random, "GET", "DELETE"), HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build());
      default -> new Case("random JSON", () -> post(base + runs, "application/json", randomJson(random, 0).getBytes(StandardCharsets.UTF_8)));
    };
  }

  private static HttpRequest post(String url, String contentType, byte[] body) {
    return HttpRequest.newBuilder(URI.create(url)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(30)).build();
  }

  private static byte[] randomBytes(Random random, int n) {
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }

  private static byte[] invalidUtf8(Random random) {
    byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF0, (byte) 0x28, (byte) 0x8C, (byte) 0x28},
        {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}};
    byte[] b = bad[random.nextInt(bad.length)];
    byte[] head = "{\"question\": \"".getBytes(StandardCharsets.US_ASCII);
    byte[] tail = "\"}".getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[head.length + b.length + tail.length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(b, 0, out, head.length, b.length);
    System.arraycopy(tail, 0, out, head.length + b.length, tail.length);
    return out;
  }

  private static byte[] deep(Random random) {
    int depth = 50 + random.nextInt(20_000);
    boolean objects = random.nextBoolean();
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < depth; i++) {
      s.append(objects ? "{\"a\":" : "[");
    }
    s.append("1");
    for (int i = 0; i < depth; i++) {
      s.append(objects ? "}" : "]");
    }
    return s.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] huge(Random random) {
    int size = 64 * 1024 + 1 + random.nextInt(2 * 1024 * 1024);
    byte[] out = new byte[size];
    java.util.Arrays.fill(out, (byte) 'x');
    out[0] = '"';
    out[size - 1] = '"';
    return out;
  }

  private static String randomPath(Random random) {
    StringBuilder s = new StringBuilder("/");
    int n = random.nextInt(random.nextInt(10) == 0 ? 6_000 : 60);
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-._~/%:@!$&'()*+,;=";
    for (int i = 0; i < n; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    String path = s.toString().replaceAll("%(?![0-9A-Fa-f]{2})", "%25");
    return random.nextInt(4) == 0 ? "/v1/" + path.substring(1) : path;
  }

  private static String randomJson(Random random, int depth) {
    int kind = depth > 4 ? random.nextInt(4) : random.nextInt(6);
    return switch (kind) {
      case 0 -> Integer.toString(random.nextInt());
      case 1 -> "\"" + "\\u00e9\\n\\\"x".repeat(random.nextInt(3)) + "\"";
      case 2 -> random.nextBoolean() ? "true" : "null";
      case 3 -> Double.toString(random.nextGaussian() * 1e300);
      case 4 -> {
        List<String> items = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
          items.add(randomJson(random, depth + 1));
        }
        yield "[" + String.join(",", items) + "]";
      }
      default -> {
        List<String> items = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
          items.add("\"" + pick(random, "question", "input", "runId", "metadata", "deadline", "x") + "\":" + randomJson(random, depth + 1));
        }
        yield "{" + String.join(",", items) + "}";
      }
    };
  }

  /** Garbage straight on a socket; returns the status the gateway answered, 0 when it just closed. */
  private static int rawGarbage(int port, Random random) {
    byte[][] starts = {
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
        "POST /v1/graphs/x/runs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nZZ\r\n".getBytes(StandardCharsets.US_ASCII),
        ("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
        ("GET / HTTP/1.1\r\nHost: x\r\nX: " + "b".repeat(20_000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
        "\u0000\u0001\u0002 / HTTP/9.9\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
        randomBytes(random, 1 + random.nextInt(500)),
    };
    byte[] payload = starts[random.nextInt(starts.length)];
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      socket.setSoTimeout(2_000);
      OutputStream out = socket.getOutputStream();
      out.write(payload);
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] head = in.readNBytes(12);
      String line = new String(head, StandardCharsets.ISO_8859_1);
      return line.startsWith("HTTP/1.") && line.length() >= 12 ? Integer.parseInt(line.substring(9, 12)) : 0;
    } catch (java.io.IOException | NumberFormatException e) {
      return 0; // closed or timed out: not a 5xx
    }
  }

  @SafeVarargs
  private static <T> T pick(Random random, T... choices) {
    return choices[random.nextInt(choices.length)];
  }
}
