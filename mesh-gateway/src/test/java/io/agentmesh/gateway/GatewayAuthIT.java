package io.agentmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import java.security.KeyPair;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** API keys, HS256 and RS256 bearer tokens, per-caller graphs: 401 and 403 as JSON. */
@MeshInfraTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GatewayAuthIT {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";
  private static final String KEY_A = "key-for-graph-a";
  private static final String KEY_ALL = "key-for-everything";

  private final SharedInfra infra;
  private final KeyPair rsa = Jwts.rsaKeyPair();
  private RunningGraph a;
  private RunningGraph b;
  private Gateway gateway;
  private Http anonymous;

  GatewayAuthIT(SharedInfra infra) {
    this.infra = infra;
  }

  @BeforeAll
  void start() {
    a = RunningGraph.pipeline(infra, infra.uniqueName("auth-a"), "sim-default", "answer");
    b = RunningGraph.pipeline(infra, infra.uniqueName("auth-b"), "sim-default", "answer");
    AuthConfig auth = AuthConfig.builder()
        .apiKey("a-only", AuthConfig.sha256Hex(KEY_A), Set.of(a.graph.name()))
        .apiKey("all", AuthConfig.sha256Hex(KEY_ALL), Set.of("*"))
        .jwtHs256(SECRET)
        .jwtRs256(Jwts.publicKeyPem(rsa))
        .build();
    gateway = Gateways.start(infra, List.of(a.graph, b.graph), auth, Limits.defaults());
    anonymous = new Http(gateway.url());
  }

  @AfterAll
  void stop() {
    gateway.close();
    a.close();
    b.close();
  }

  @Test
  void refusesRequestsWithoutValidCredentials() {
    Http.Reply none = anonymous.get("/v1/graphs");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.json().path("error").asText()).isEqualTo("unauthorized");
    assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(anonymous.with("X-API-Key", "wrong").get("/v1/graphs").status()).isEqualTo(401);
    assertThat(anonymous.with("Authorization", "Bearer not.a.jwt").get("/v1/graphs").status()).isEqualTo(401);
    assertThat(anonymous.with("Authorization", "Bearer " + Jwts.unsigned(claims("x", "\"*\"", 600))).get("/v1/graphs").status())
        .as("alg none").isEqualTo(401);
    assertThat(anonymous.with("Authorization", "Bearer " + Jwts.hs256("another-secret-of-at-least-32-bytes!", claims("x", "\"*\"", 600)))
        .get("/v1/graphs").status()).as("wrong HS256 secret").isEqualTo(401);
    assertThat(anonymous.with("Authorization", "Bearer " + Jwts.hs256(SECRET, claims("x", "\"*\"", -600))).get("/v1/graphs").status())
        .as("expired").isEqualTo(401);
    assertThat(anonymous.with("Authorization", "Bearer " + Jwts.rs256(Jwts.rsaKeyPair().getPrivate(), claims("x", "\"*\"", 600)))
        .get("/v1/graphs").status()).as("RS256 from another key").isEqualTo(401);
  }

  @Test
  void apiKeysReachOnlyTheirGraphs() {
    Http key = anonymous.with("X-API-Key", KEY_A);
    assertThat(key.get("/v1/graphs").json().path("graphs")).extracting(g -> g.path("name").asText()).containsExactly(a.graph.name());
    Http.Reply ok = key.post("/v1/graphs/" + a.graph.name() + "/runs?wait=30s", "{\"question\": \"hi\"}");
    assertThat(ok.status()).isEqualTo(200);
    Http.Reply forbidden = key.post("/v1/graphs/" + b.graph.name() + "/runs", "{\"question\": \"hi\"}");
    assertThat(forbidden.status()).isEqualTo(403);
    assertThat(forbidden.json().path("error").asText()).isEqualTo("forbidden_graph");
    assertThat(forbidden.json().path("details").path("graph").asText()).isEqualTo(b.graph.name());

    String runOfB = anonymous.with("Authorization", "ApiKey " + KEY_ALL)
        .post("/v1/graphs/" + b.graph.name() + "/runs", "{\"question\": \"b\"}").json().path("runId").asText();
    assertThat(key.get("/v1/runs/" + runOfB).status()).as("reading a run of another graph").isEqualTo(403);
    assertThat(key.get("/v1/runs/" + runOfB + "/events").status()).isEqualTo(403);
    assertThat(key.delete("/v1/runs/" + runOfB).status()).isEqualTo(403);
  }

  @Test
  void hs256TokensCarryTheirGraphs() {
    Http token = anonymous.with("Authorization", "Bearer " + Jwts.hs256(SECRET, claims("svc-1", "[\"" + a.graph.name() + "\"]", 600)));
    assertThat(token.post("/v1/graphs/" + a.graph.name() + "/runs?wait=30s", "{\"question\": \"hs\"}").status()).isEqualTo(200);
    assertThat(token.post("/v1/graphs/" + b.graph.name() + "/runs", "{\"question\": \"hs\"}").status()).isEqualTo(403);
  }

  @Test
  void rs256TokensAreVerifiedWithThePublicKey() {
    Http token = anonymous.with("Authorization", "Bearer " + Jwts.rs256(rsa.getPrivate(), claims("svc-2", "\"*\"", 600)));
    assertThat(token.post("/v1/graphs/" + b.graph.name() + "/runs?wait=30s", "{\"question\": \"rs\"}").json().path("status").asText())
        .isEqualTo("SUCCEEDED");
    Http none = anonymous.with("Authorization", "Bearer " + Jwts.rs256(rsa.getPrivate(), claims("svc-3", null, 600)));
    assertThat(none.post("/v1/graphs/" + a.graph.name() + "/runs", "{\"question\": \"rs\"}").status())
        .as("a token without a graphs claim may use no graph").isEqualTo(403);
  }

  @Test
  void probesMetricsAndTheSpecNeedNoCredentials() {
    assertThat(anonymous.get("/health/live").status()).isEqualTo(200);
    assertThat(anonymous.get("/health/ready").status()).isEqualTo(200);
    assertThat(anonymous.get("/metrics").status()).isEqualTo(200);
    assertThat(anonymous.get("/openapi.json").status()).isEqualTo(200);
    assertThat(gateway.blockedThreadEvents()).isZero();
  }

  @Test
  void authNoneRefusesToListenBeyondLoopback() {
    assertThatThrownBy(() -> Gateway.builder().graphs(List.of(a.graph)).kafkaBootstrap("k:1").redisUri("redis://r").registryUrl("http://r")
        .auth(AuthConfig.none()).host("0.0.0.0").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback").hasMessageContaining("0.0.0.0");
    assertThatThrownBy(() -> Gateway.builder().graphs(List.of(a.graph)).kafkaBootstrap("k:1").redisUri("redis://r").registryUrl("http://r").build())
        .hasMessageContaining("auth");
  }

  private static String claims(String subject, String graphs, long expiresIn) {
    return "{\"sub\":\"" + subject + "\",\"iat\":" + Jwts.now() + ",\"exp\":" + (Jwts.now() + expiresIn)
        + (graphs == null ? "" : ",\"graphs\":" + graphs) + "}";
  }
}
