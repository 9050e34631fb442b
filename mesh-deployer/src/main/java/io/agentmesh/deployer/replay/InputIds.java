package io.agentmesh.deployer.replay;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * How the runtime derives input ids (HopHandler): an ingress task's is {@code <run>:START}; a hop
 * from {@code node} to {@code target} carries {@code sha256(<inbound id>|node|target)}, first 32
 * hex digits. Lets a reader tie each hop to the execution that produced it.
 */
final class InputIds {

  private InputIds() {
  }

  static String ofIngress(String runId) {
    return runId + ":START";
  }

  static String child(String inputId, String node, String target) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest((inputId + "|" + node + "|" + target).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
