package io.agentmesh.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmesh.schemas.serde.IncompatibleSchemaException;
import io.agentmesh.schemas.serde.RegistryRequestException;
import io.agentmesh.schemas.serde.RegistryUnreachableException;
import io.agentmesh.schemas.serde.SchemaNotRegisteredException;
import io.agentmesh.schemas.serde.SerdeException;
import io.agentmesh.schemas.serde.UnknownSchemaIdException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A small client for Confluent's Schema Registry REST API (also Apicurio's ccompat, Karapace and
 * the mesh's own registry).
 *
 * <p>Ids of (subject, schema) pairs and schemas by id never change once assigned, so both are
 * cached for the client's life; "latest" is asked each time. Several URLs may be given: each
 * request tries them in order until one answers. Thread-safe.
 */
public final class SchemaRegistryClient {

  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<String> urls;
  private final Duration timeout;
  private final HttpClient http;
  private final Map<Key, Integer> ids = new ConcurrentHashMap<>();
  private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();
  private final Map<String, Latest> latest = new ConcurrentHashMap<>();

  private record Key(String subject, Schema schema) {}

  private record Latest(RegisteredSchema schema, long fetchedNanos) {}

  /** How long an answer to "latest version of a subject" is reused. */
  private static final Duration LATEST_TTL = Duration.ofSeconds(30);

  private SchemaRegistryClient(List<String> urls, Duration timeout) {
    this.urls = urls;
    this.timeout = timeout;
    // HTTP/1.1: with HTTP/2 a burst of first lookups (hundreds of records in flight) hits the
    // server's concurrent-stream limit and fails with "too many concurrent streams"
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
  }

  /** A client for one or more base URLs (e.g. {@code http://127.0.0.1:8081}). */
  public static SchemaRegistryClient create(List<String> urls, Duration timeout) {
    Objects.requireNonNull(urls, "urls");
    Objects.requireNonNull(timeout, "timeout");
    if (urls.isEmpty() || urls.stream().anyMatch(u -> u == null || u.isBlank())) {
      throw new IllegalArgumentException("schema registry urls must be non-blank, were " + urls);
    }
    List<String> clean = urls.stream().map(String::trim).map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u)
        .toList();
    for (String u : clean) {
      URI uri = URI.create(u);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        throw new IllegalArgumentException("schema registry url must be http(s)://host:port, was " + u);
      }
    }
    return new SchemaRegistryClient(clean, timeout);
  }

  /** A client for one URL with a 10-second timeout. */
  public static SchemaRegistryClient create(String url) {
    return create(List.of(url), Duration.ofSeconds(10));
  }

  /** The base URLs this client asks. */
  public List<String> urls() {
    return urls;
  }

  /** Registers a schema under a subject (or finds it already there) and returns its global id. */
  public int register(String subject, Schema schema) {
    Key key = new Key(subject, schema);
    Integer cached = ids.get(key);
    if (cached != null) {
      return cached;
    }
    Answer a = call("POST", "/subjects/" + encode(subject) + "/versions", body(schema));
    if (a.status() == 409) {
      throw new IncompatibleSchemaException(subject, a.message());
    }
    int id = a.ok("register under '" + subject + "'").path("id").asInt();
    schemas.putIfAbsent(id, schema);
    ids.put(key, id);
    return id;
  }

  /** The id of a schema already registered under a subject; {@link SchemaNotRegisteredException} if absent. */
  public int idOf(String subject, Schema schema) {
    Key key = new Key(subject, schema);
    Integer cached = ids.get(key);
    if (cached != null) {
      return cached;
    }
    Answer a = call("POST", "/subjects/" + encode(subject), body(schema));
    if (a.errorCode() == 40401 || a.errorCode() == 40403) {
      throw new SchemaNotRegisteredException(subject, a.message());
    }
    int id = a.ok("look up under '" + subject + "'").path("id").asInt();
    schemas.putIfAbsent(id, schema);
    ids.put(key, id);
    return id;
  }

  /** The schema with a global id; {@link UnknownSchemaIdException} if there is none. */
  public Schema schemaById(int id) {
    Schema cached = schemas.get(id);
    if (cached != null) {
      return cached;
    }
    Answer a = call("GET", "/schemas/ids/" + id, null);
    if (a.errorCode() == 40403 || (a.status() == 404 && a.errorCode() == 0)) {
      throw new UnknownSchemaIdException(id, a.url());
    }
    Schema schema = parse(a.ok("get schema id " + id).path("schema").asText(), "id " + id);
    Schema raced = schemas.putIfAbsent(id, schema);
    return raced == null ? schema : raced;
  }

  /**
   * The latest live version of a subject; {@link SchemaNotRegisteredException} if it has none.
   * An answer is reused for 30 seconds, so a new version is seen within that time.
   */
  public RegisteredSchema latest(String subject) {
    Latest known = latest.get(subject);
    if (known != null && System.nanoTime() - known.fetchedNanos() < LATEST_TTL.toNanos()) {
      return known.schema();
    }
    RegisteredSchema fresh = fetchLatest(subject);
    latest.put(subject, new Latest(fresh, System.nanoTime()));
    return fresh;
  }

  private RegisteredSchema fetchLatest(String subject) {
    Answer a = call("GET", "/subjects/" + encode(subject) + "/versions/latest", null);
    if (a.errorCode() == 40401 || a.errorCode() == 40402) {
      throw new SchemaNotRegisteredException(subject, a.message());
    }
    JsonNode v = a.ok("get latest of '" + subject + "'");
    int id = v.path("id").asInt();
    Schema schema = schemas.computeIfAbsent(id, i -> parse(v.path("schema").asText(), "id " + i));
    return new RegisteredSchema(subject, v.path("version").asInt(), id, schema);
  }

  /** Whether the registry would accept this schema as the subject's next version. */
  public boolean isCompatible(String subject, Schema schema) {
    Answer a = call("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest", body(schema));
    return a.ok("check compatibility under '" + subject + "'").path("is_compatible").asBoolean();
  }

  /** One HTTP answer: status, parsed body, and the URL that gave it. */
  private record Answer(String url, int status, JsonNode body) {
    int errorCode() {
      return status >= 300 ? body.path("error_code").asInt(0) : 0;
    }

    String message() {
      return body.path("message").asText(body.toString());
    }

    JsonNode ok(String request) {
      if (status >= 200 && status < 300) {
        return body;
      }
      throw new RegistryRequestException(request + " at " + url, status, errorCode(), message());
    }
  }

  private Answer call(String method, String path, String body) {
    Exception last = null;
    for (String base : urls) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
          .header("Accept", CONTENT_TYPE + ", application/json")
          .header("Content-Type", CONTENT_TYPE)
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body))
          .build();
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(base, response.statusCode(), readBody(response.body()));
      } catch (IOException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SerdeException("Interrupted while calling the Schema Registry at " + base, e);
      }
    }
    throw new RegistryUnreachableException(urls.toString(), last);
  }

  private static JsonNode readBody(String text) {
    if (text == null || text.isBlank()) {
      return JSON.createObjectNode();
    }
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      return JSON.createObjectNode().put("message", text);
    }
  }

  private static String body(Schema schema) {
    ObjectNode node = JSON.createObjectNode().put("schema", schema.toString());
    return node.toString();
  }

  private static Schema parse(String text, String what) {
    try {
      return new Schema.Parser().parse(text);
    } catch (RuntimeException e) {
      throw new SerdeException("The Schema Registry returned an unparseable schema for " + what + ": "
          + e.getMessage(), e);
    }
  }

  private static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
