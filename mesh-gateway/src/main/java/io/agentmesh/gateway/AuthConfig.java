package io.agentmesh.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How callers prove who they are: API keys (kept only as SHA-256 hashes), JWT bearer tokens
 * (HS256 with a shared secret, RS256 with a public key), or nothing at all ({@link #none()}, for
 * local use: the gateway then binds to loopback only).
 *
 * <p>An auth file is YAML:
 * <pre>
 * apiKeys:
 *   - {name: ci, sha256: 5e884898..., graphs: [research-pipeline]}   # graphs: ["*"] for all
 * jwt:
 *   hs256SecretEnv: MESH_JWT_SECRET       # the secret comes from this environment variable
 *   rs256PublicKeyFile: jwt-public.pem    # PEM, relative to the auth file
 *   issuer: https://auth.example.com      # optional: tokens must carry this iss
 *   audience: agentmesh                   # optional: tokens must carry this aud
 *   graphsClaim: graphs                   # the claim listing the graphs a token may use
 * </pre>
 * API keys may also come from the environment variable {@value #API_KEYS_ENV}:
 * {@code name:sha256hex:graph1,graph2;name2:...}.
 */
public final class AuthConfig {

  /** Environment variable holding extra API keys. */
  public static final String API_KEYS_ENV = "MESH_GATEWAY_API_KEYS";

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final Set<String> TOP_FIELDS = Set.of("apiKeys", "jwt");
  private static final Set<String> KEY_FIELDS = Set.of("name", "sha256", "graphs");
  private static final Set<String> JWT_FIELDS =
      Set.of("hs256SecretEnv", "hs256Secret", "rs256PublicKeyFile", "issuer", "audience", "graphsClaim");

  /** One API key: its name (used for rate limits and logs), the SHA-256 of the key, the graphs it may use. */
  public record ApiKey(String name, String sha256Hex, Set<String> graphs) {
    public ApiKey {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("API key name must not be blank");
      }
      sha256Hex = Objects.requireNonNull(sha256Hex, "sha256Hex").toLowerCase(Locale.ROOT);
      if (!SHA256_HEX.matcher(sha256Hex).matches()) {
        throw new IllegalArgumentException("API key '" + name + "': sha256 must be 64 hex digits, got '" + sha256Hex + "'");
      }
      graphs = Set.copyOf(graphs);
    }
  }

  private final boolean enabled;
  private final List<ApiKey> apiKeys;
  private final Optional<String> hs256Secret;
  private final Optional<String> rs256PublicKeyPem;
  private final Optional<String> issuer;
  private final Optional<String> audience;
  private final String graphsClaim;

  private AuthConfig(Builder b, boolean enabled) {
    this.enabled = enabled;
    this.apiKeys = List.copyOf(b.apiKeys.values());
    this.hs256Secret = Optional.ofNullable(b.hs256Secret);
    this.rs256PublicKeyPem = Optional.ofNullable(b.rs256PublicKeyPem);
    this.issuer = Optional.ofNullable(b.issuer);
    this.audience = Optional.ofNullable(b.audience);
    this.graphsClaim = b.graphsClaim;
  }

  /** No authentication: every caller may use every graph. Only for a gateway bound to loopback. */
  public static AuthConfig none() {
    return new AuthConfig(new Builder(), false);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Reads an auth file (YAML, above) plus the keys in {@value #API_KEYS_ENV} of {@code env}. */
  public static AuthConfig load(Path file, Map<String, String> env) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read the auth file: " + e.getMessage(), e);
    }
    Builder b = builder();
    if (root != null && !root.isMissingNode() && !root.isNull()) {
      if (!root.isObject()) {
        throw new IllegalArgumentException(file + ": expected a mapping with apiKeys and/or jwt");
      }
      onlyFields(file, "", root, TOP_FIELDS);
      JsonNode keys = root.path("apiKeys");
      if (!keys.isMissingNode()) {
        if (!keys.isArray()) {
          throw new IllegalArgumentException(file + ": apiKeys must be a list");
        }
        for (int i = 0; i < keys.size(); i++) {
          JsonNode k = keys.get(i);
          String at = "apiKeys[" + i + "]";
          onlyFields(file, at + ".", k, KEY_FIELDS);
          b.apiKey(text(file, at + ".name", k.get("name")), text(file, at + ".sha256", k.get("sha256")), graphs(file, at, k.get("graphs")));
        }
      }
      JsonNode jwt = root.path("jwt");
      if (!jwt.isMissingNode()) {
        onlyFields(file, "jwt.", jwt, JWT_FIELDS);
        if (jwt.has("hs256SecretEnv")) {
          String name = text(file, "jwt.hs256SecretEnv", jwt.get("hs256SecretEnv"));
          String secret = env.get(name);
          if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException(file + ": jwt.hs256SecretEnv names " + name + ", which is not set");
          }
          b.jwtHs256(secret);
        }
        if (jwt.has("hs256Secret")) {
          b.jwtHs256(text(file, "jwt.hs256Secret", jwt.get("hs256Secret")));
        }
        if (jwt.has("rs256PublicKeyFile")) {
          Path pem = resolve(file, text(file, "jwt.rs256PublicKeyFile", jwt.get("rs256PublicKeyFile")));
          try {
            b.jwtRs256(Files.readString(pem));
          } catch (IOException e) {
            throw new IllegalArgumentException(file + ": jwt.rs256PublicKeyFile: cannot read " + pem + ": " + e.getMessage(), e);
          }
        }
        if (jwt.has("issuer")) {
          b.issuer(text(file, "jwt.issuer", jwt.get("issuer")));
        }
        if (jwt.has("audience")) {
          b.audience(text(file, "jwt.audience", jwt.get("audience")));
        }
        if (jwt.has("graphsClaim")) {
          b.graphsClaim(text(file, "jwt.graphsClaim", jwt.get("graphsClaim")));
        }
      }
    }
    b.apiKeysFromEnv(env);
    return b.build();
  }

  /** The SHA-256 of an API key, as the lowercase hex an auth file holds. */
  public static String sha256Hex(String apiKey) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Whether callers must authenticate. */
  public boolean enabled() {
    return enabled;
  }

  public List<ApiKey> apiKeys() {
    return apiKeys;
  }

  public Optional<String> hs256Secret() {
    return hs256Secret;
  }

  public Optional<String> rs256PublicKeyPem() {
    return rs256PublicKeyPem;
  }

  public Optional<String> issuer() {
    return issuer;
  }

  public Optional<String> audience() {
    return audience;
  }

  /** The JWT claim that lists the graphs a token may use (a list of names, or "*"). */
  public String graphsClaim() {
    return graphsClaim;
  }

  boolean jwtEnabled() {
    return hs256Secret.isPresent() || rs256PublicKeyPem.isPresent();
  }

  @Override
  public String toString() {
    return enabled ? "AuthConfig[apiKeys=" + apiKeys.size() + ", hs256=" + hs256Secret.isPresent()
        + ", rs256=" + rs256PublicKeyPem.isPresent() + "]" : "AuthConfig[none]";
  }

  private static void onlyFields(Path file, String at, JsonNode node, Set<String> known) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(file + ": " + (at.isEmpty() ? "the file" : at.substring(0, at.length() - 1)) + " must be a mapping");
    }
    for (var names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        throw new IllegalArgumentException(file + ": unknown field " + at + name + " (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
  }

  private static String text(Path file, String at, JsonNode node) {
    if (node == null || !node.isTextual() || node.textValue().isBlank()) {
      throw new IllegalArgumentException(file + ": " + at + " must be a non-empty string");
    }
    return node.textValue();
  }

  private static Set<String> graphs(Path file, String at, JsonNode node) {
    if (node == null || !node.isArray()) {
      throw new IllegalArgumentException(file + ": " + at + ".graphs must be a list of graph names (or [\"*\"])");
    }
    Set<String> out = new LinkedHashSet<>();
    node.forEach(g -> out.add(text(file, at + ".graphs[]", g)));
    return out;
  }

  private static Path resolve(Path file, String path) {
    Path p = Path.of(path);
    Path dir = file.toAbsolutePath().getParent();
    return p.isAbsolute() || dir == null ? p : dir.resolve(p);
  }

  /** Builds an enabled auth configuration; {@link #build()} needs at least one key or one JWT key. */
  public static final class Builder {
    private final Map<String, ApiKey> apiKeys = new LinkedHashMap<>();
    private String hs256Secret;
    private String rs256PublicKeyPem;
    private String issuer;
    private String audience;
    private String graphsClaim = "graphs";

    private Builder() {}

    /** An API key by the SHA-256 (hex) of its value; {@code graphs} may hold "*". */
    public Builder apiKey(String name, String sha256Hex, Collection<String> graphs) {
      ApiKey key = new ApiKey(name, sha256Hex, Set.copyOf(graphs));
      if (apiKeys.putIfAbsent(key.sha256Hex(), key) != null) {
        throw new IllegalArgumentException("API key '" + name + "' has the same hash as key '" + apiKeys.get(key.sha256Hex()).name() + "'");
      }
      return this;
    }

    /** Adds the keys of {@value #API_KEYS_ENV} ({@code name:sha256hex:graph1,graph2;...}) when set. */
    public Builder apiKeysFromEnv(Map<String, String> env) {
      String value = env.get(API_KEYS_ENV);
      if (value == null || value.isBlank()) {
        return this;
      }
      for (String entry : value.split(";")) {
        if (entry.isBlank()) {
          continue;
        }
        String[] parts = entry.trim().split(":", 3);
        if (parts.length != 3) {
          throw new IllegalArgumentException(API_KEYS_ENV + ": expected name:sha256hex:graph1,graph2, got '" + entry.trim() + "'");
        }
        List<String> graphs = new ArrayList<>();
        for (String g : parts[2].split(",")) {
          if (!g.isBlank()) {
            graphs.add(g.trim());
          }
        }
        apiKey(parts[0].trim(), parts[1].trim(), graphs);
      }
      return this;
    }

    /** Accept HS256 tokens signed with this secret (at least 32 bytes). */
    public Builder jwtHs256(String secret) {
      Objects.requireNonNull(secret, "secret");
      if (secret.getBytes(StandardCharsets.UTF_8).length < 32) {
        throw new IllegalArgumentException("the HS256 secret must be at least 32 bytes (256 bits), got "
            + secret.getBytes(StandardCharsets.UTF_8).length);
      }
      this.hs256Secret = secret;
      return this;
    }

    /** Accept RS256 tokens verified with this public key (PEM, {@code -----BEGIN PUBLIC KEY-----}). */
    public Builder jwtRs256(String publicKeyPem) {
      Objects.requireNonNull(publicKeyPem, "publicKeyPem");
      if (!publicKeyPem.contains("-----BEGIN PUBLIC KEY-----")) {
        throw new IllegalArgumentException("the RS256 key must be a PEM public key (-----BEGIN PUBLIC KEY-----)");
      }
      this.rs256PublicKeyPem = publicKeyPem;
      return this;
    }

    public Builder issuer(String iss) {
      this.issuer = Objects.requireNonNull(iss, "issuer");
      return this;
    }

    public Builder audience(String aud) {
      this.audience = Objects.requireNonNull(aud, "audience");
      return this;
    }

    public Builder graphsClaim(String claim) {
      this.graphsClaim = Objects.requireNonNull(claim, "graphsClaim");
      return this;
    }

    public AuthConfig build() {
      if (apiKeys.isEmpty() && hs256Secret == null && rs256PublicKeyPem == null) {
        throw new IllegalArgumentException("auth is on but no API key and no JWT key is configured: "
            + "add apiKeys or jwt, or use AuthConfig.none() (loopback only)");
      }
      return new AuthConfig(this, true);
    }
  }
}
