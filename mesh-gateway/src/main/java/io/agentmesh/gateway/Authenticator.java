package io.agentmesh.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a request's credentials into a {@link Principal}, or a 401. API keys come in
 * {@code X-API-Key} (or {@code Authorization: ApiKey <key>}) and are looked up by their SHA-256;
 * JWTs come as {@code Authorization: Bearer <token>} and are verified by vertx-auth-jwt
 * (signature, exp/nbf, iss and aud when configured), which never blocks.
 */
final class Authenticator {

  static final String API_KEY_HEADER = "X-API-Key";

  private final AuthConfig config;
  private final Map<String, AuthConfig.ApiKey> keysByHash = new HashMap<>();
  private final JWTAuth jwt;

  Authenticator(Vertx vertx, AuthConfig config) {
    this.config = config;
    config.apiKeys().forEach(k -> keysByHash.put(k.sha256Hex(), k));
    if (config.jwtEnabled()) {
      JWTAuthOptions options = new JWTAuthOptions();
      config.hs256Secret().ifPresent(s -> options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(s)));
      config.rs256PublicKeyPem().ifPresent(pem -> options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(pem)));
      JWTOptions checks = new JWTOptions().setLeeway(5);
      config.issuer().ifPresent(checks::setIssuer);
      config.audience().ifPresent(aud -> checks.setAudience(List.of(aud)));
      options.setJWTOptions(checks);
      this.jwt = JWTAuth.create(vertx, options);
    } else {
      this.jwt = null;
    }
  }

  Future<Principal> authenticate(HttpServerRequest request) {
    if (!config.enabled()) {
      return Future.succeededFuture(Principal.anonymous());
    }
    String apiKey = request.getHeader(API_KEY_HEADER);
    String authorization = request.getHeader("Authorization");
    if (apiKey == null && authorization != null && authorization.regionMatches(true, 0, "ApiKey ", 0, 7)) {
      apiKey = authorization.substring(7).trim();
    }
    if (apiKey != null) {
      AuthConfig.ApiKey key = keysByHash.get(AuthConfig.sha256Hex(apiKey));
      return key == null
          ? Future.failedFuture(unauthorized("the API key is not known", "X-API-Key"))
          : Future.succeededFuture(new Principal("key:" + key.name(), key.graphs()));
    }
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      if (jwt == null) {
        return Future.failedFuture(unauthorized("bearer tokens are not accepted by this gateway; use an API key", "Authorization"));
      }
      String token = authorization.substring(7).trim();
      return jwt.authenticate(new TokenCredentials(token))
          .recover(e -> Future.failedFuture(unauthorized("the bearer token is not valid: " + e.getMessage(), "Authorization")))
          .map(user -> principal(user.principal()));
    }
    return Future.failedFuture(unauthorized("credentials are missing: send X-API-Key or Authorization: Bearer <JWT>", "Authorization"));
  }

  private Principal principal(JsonObject claims) {
    String subject = claims.getValue("sub") instanceof String s && !s.isBlank() ? s : "unknown";
    Set<String> graphs = new LinkedHashSet<>();
    Object claim = claims.getValue(config.graphsClaim());
    if (claim instanceof String s) {
      graphs.add(s);
    } else if (claim instanceof JsonArray list) {
      list.forEach(g -> {
        if (g instanceof String s) {
          graphs.add(s);
        }
      });
    }
    return new Principal("jwt:" + subject, graphs);
  }

  private static ApiError unauthorized(String message, String header) {
    return ApiError.of(401, "unauthorized", message, Map.of("header", header))
        .withHeader("WWW-Authenticate", "Bearer realm=\"agentmesh\"");
  }
}
