package io.agentmesh.schemas.serde;

/** The bytes do not start with the Confluent wire format's magic byte 0. */
public final class UnknownMagicByteException extends SerdeException {

  private final int magicByte;

  /** Names the byte found and the topic (when known). */
  public UnknownMagicByteException(int magicByte, String topic) {
    super(String.format("Unknown magic byte 0x%02x at topic '%s': the Confluent wire format starts with 0x00"
        + " (magic byte, 4-byte schema id, Avro binary); this record was not written by an Avro serializer",
        magicByte & 0xff, topic));
    this.magicByte = magicByte;
  }

  /** The first byte found. */
  public int magicByte() {
    return magicByte;
  }
}
