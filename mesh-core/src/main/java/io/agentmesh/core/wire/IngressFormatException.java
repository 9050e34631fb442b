package io.agentmesh.core.wire;

import io.agentmesh.core.MeshException;

/** A message on the ingress topic that is not valid JSON or misuses the documented envelope. */
public final class IngressFormatException extends MeshException {

  private final long byteOffset;

  IngressFormatException(String message, long byteOffset) {
    super(message, false);
    this.byteOffset = byteOffset;
  }

  /** Byte offset in the message where the problem was found, or -1 when not tied to a position. */
  public long byteOffset() {
    return byteOffset;
  }
}
