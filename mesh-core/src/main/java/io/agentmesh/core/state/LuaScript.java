package io.agentmesh.core.state;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The Lua scripts of the state stores, read from this package's resources. */
enum LuaScript {
  HASH_WRITE("hash-write.lua"),
  HASH_UPDATE("hash-update.lua"),
  RUN_COMPLETE("run-complete.lua"),
  RUN_REOPEN("run-reopen.lua"),
  RUN_ADMIT("run-admit.lua"),
  HOP_BEFORE_NODE("hop-before-node.lua"),
  HOP_AFTER_NODE("hop-after-node.lua"),
  STATE_CAS("state-cas.lua"),
  CLAIM_RELEASE("claim-release.lua"),
  LIST_APPEND("list-append.lua"),
  LIST_APPEND_ONCE("list-append-once.lua"),
  LIST_TRIM_HEAD("list-trim-head.lua"),
  EDGE_CROSS("edge-cross.lua"),
  RATE_TAKE("rate-take.lua");

  private final String resource;
  private final String source;
  private final String sha1;

  LuaScript(String resource) {
    this.resource = resource;
    this.source = read(resource);
    this.sha1 = sha1(source);
  }

  /** The script's text. */
  String source() {
    return source;
  }

  /** The SHA-1 Redis files the script under (EVALSHA). */
  String sha1() {
    return sha1;
  }

  /** The resource name, for messages. */
  String resource() {
    return resource;
  }

  private static String read(String resource) {
    try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("Lua script " + resource + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read Lua script " + resource, e);
    }
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-1", e);
    }
  }
}
