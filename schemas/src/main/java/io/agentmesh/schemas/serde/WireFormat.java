package io.agentmesh.schemas.serde;

import java.nio.ByteBuffer;

/** The Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then Avro binary. */
final class WireFormat {

  static final byte MAGIC = 0;
  static final int HEADER_SIZE = 5;

  private WireFormat() {}

  /** The subject of a topic's keys or values (TopicNameStrategy). */
  static String subject(String topic, boolean isKey) {
    return topic + (isKey ? "-key" : "-value");
  }

  /** Checks the header and returns the schema id; the buffer is left at the Avro payload. */
  static int readHeader(ByteBuffer buffer, String topic) {
    if (buffer.remaining() < 1) {
      throw new SerdeException("Empty record at topic '" + topic + "': no Confluent wire-format header");
    }
    byte magic = buffer.get();
    if (magic != MAGIC) {
      throw new UnknownMagicByteException(magic, topic);
    }
    if (buffer.remaining() < 4) {
      throw new SerdeException("Record at topic '" + topic + "' is " + (buffer.remaining() + 1)
          + " bytes long: too short for the 5-byte Confluent wire-format header");
    }
    return buffer.getInt();
  }
}
