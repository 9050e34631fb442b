package io.agentmesh.core.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cel.common.values.NullValue;
import io.agentmesh.core.wire.JsonMappers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts JSON trees and plain Java values to the value types CEL's runtime expects. */
final class CelValues {

  private static final ObjectMapper JSON = JsonMappers.create();

  private CelValues() {}

  static Object of(Object value) {
    if (value == null) {
      return NullValue.NULL_VALUE;
    }
    if (value instanceof JsonNode node) {
      return ofJson(node);
    }
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(String.valueOf(k), of(v)));
      return out;
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      list.forEach(v -> out.add(of(v)));
      return out;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Float f) {
      return f.doubleValue();
    }
    if (value instanceof java.math.BigDecimal || value instanceof java.math.BigInteger) {
      return ofJson(JSON.valueToTree(value));
    }
    return value;
  }

  static Object ofJson(JsonNode node) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        Map<String, Object> out = new LinkedHashMap<>();
        node.properties().forEach(e -> out.put(e.getKey(), ofJson(e.getValue())));
        return out;
      }
      case ARRAY -> {
        List<Object> out = new ArrayList<>(node.size());
        node.forEach(v -> out.add(ofJson(v)));
        return out;
      }
      case STRING -> {
        return node.textValue();
      }
      case BOOLEAN -> {
        return node.booleanValue();
      }
      case NUMBER -> {
        return node.isIntegralNumber() && node.canConvertToLong() ? (Object) node.longValue() : (Object) node.doubleValue();
      }
      case BINARY -> {
        return dev.cel.common.values.CelByteString.of(binary(node));
      }
      default -> {
        return NullValue.NULL_VALUE;
      }
    }
  }

  private static byte[] binary(JsonNode node) {
    try {
      return node.binaryValue();
    } catch (java.io.IOException e) {
      return new byte[0];
    }
  }
}
