package io.agentmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthConfigTest {

  @TempDir
  Path dir;

  @Test
  void loadsHashedKeysJwtSettingsAndKeysFromTheEnvironment() throws Exception {
    Files.writeString(dir.resolve("pub.pem"), Jwts.publicKeyPem(Jwts.rsaKeyPair()));
    Path file = dir.resolve("auth.yaml");
    Files.writeString(file, """
        apiKeys:
          - {name: ci, sha256: %s, graphs: [research]}
        jwt:
          hs256SecretEnv: SECRET
          rs256PublicKeyFile: pub.pem
          issuer: https://auth.example.com
        """.formatted(AuthConfig.sha256Hex("k1")));
    AuthConfig auth = AuthConfig.load(file, Map.of("SECRET", "s".repeat(32),
        AuthConfig.API_KEYS_ENV, "ops:" + AuthConfig.sha256Hex("k2") + ":a,b"));
    assertThat(auth.enabled()).isTrue();
    assertThat(auth.apiKeys()).extracting(AuthConfig.ApiKey::name).containsExactly("ci", "ops");
    assertThat(auth.apiKeys().get(1).graphs()).isEqualTo(Set.of("a", "b"));
    assertThat(auth.hs256Secret()).contains("s".repeat(32));
    assertThat(auth.rs256PublicKeyPem()).isPresent();
    assertThat(auth.issuer()).contains("https://auth.example.com");
    assertThat(auth.toString()).doesNotContain("sss");
  }

  @Test
  void namesTheFieldAtFault() throws Exception {
    Path file = dir.resolve("auth.yaml");
    Files.writeString(file, "apiKeys:\n  - {name: ci, sha256: nothex, graphs: [a]}\n");
    assertThatThrownBy(() -> AuthConfig.load(file, Map.of())).hasMessageContaining("sha256 must be 64 hex digits");
    Files.writeString(file, "apiKey: []\n");
    assertThatThrownBy(() -> AuthConfig.load(file, Map.of())).hasMessageContaining("unknown field apiKey");
    Files.writeString(file, "jwt: {hs256SecretEnv: NOPE}\n");
    assertThatThrownBy(() -> AuthConfig.load(file, Map.of())).hasMessageContaining("NOPE").hasMessageContaining("not set");
    Files.writeString(file, "{}\n");
    assertThatThrownBy(() -> AuthConfig.load(file, Map.of())).hasMessageContaining("no API key and no JWT key");
  }

  @Test
  void refusesWeakHs256Secrets() {
    assertThatThrownBy(() -> AuthConfig.builder().jwtHs256("short")).hasMessageContaining("at least 32 bytes");
  }
}
