package io.agentmesh.core.graph;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How an update of one run-state key combines with the value already there ({@code state:} in
 * graph.yaml). Each reducer is a pure function of (current, update), so a compare-and-set retry
 * may apply it again to a newer value: every update is applied once, whatever the order.
 *
 * <p>An absent current value is the reducer's identity (empty list, zero, empty object), so the
 * first update of a key is simply kept (as a one-item list for {@code append} of a non-list).
 * Numbers compare by value whatever their Java type ({@code 1}, {@code 1L} and {@code 1.0} are one
 * value to {@code union}); {@code sum} keeps whole numbers whole and overflows into an error.
 */
public enum StateReducer {
  /** The update replaces the value (last write wins); the default for undeclared keys. */
  REPLACE,
  /** Lists: the update's items are appended; a non-list update is appended as one item. */
  APPEND,
  /** Lists as sets: like append, but an item already present is not added again. */
  UNION,
  /** Numbers add up. */
  SUM,
  /** Numbers: the larger is kept. */
  MAX,
  /** Numbers: the smaller is kept. */
  MIN,
  /** Objects: the update's fields are put into the value's (shallow merge). */
  MERGE;

  private static final String STATE = "the run state holds";
  private static final String UPDATE = "the update is";

  /** The name used in graph.yaml ({@code append}). */
  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The reducer called {@code name} in graph.yaml, if any. */
  public static Optional<StateReducer> of(String name) {
    for (StateReducer reducer : values()) {
      if (reducer.yamlName().equals(name)) {
        return Optional.of(reducer);
      }
    }
    return Optional.empty();
  }

  /** The names known in graph.yaml, comma-separated, for messages. */
  public static String names() {
    return String.join(", ", java.util.Arrays.stream(values()).map(StateReducer::yamlName).toList());
  }

  /**
   * Combines {@code current} (null when the key is absent) with {@code update}.
   *
   * @throws IllegalArgumentException naming the JSON types when a value has the wrong type
   */
  Object apply(Object current, Object update) {
    return switch (this) {
      case REPLACE -> update;
      case APPEND, UNION -> {
        List<Object> out = current == null ? new ArrayList<>() : new ArrayList<>(checked(current, List.class, STATE));
        for (Object item : update instanceof List<?> items ? items : List.of(update)) {
          if (this == APPEND || out.stream().noneMatch(existing -> same(existing, item))) {
            out.add(item);
          }
        }
        yield out;
      }
      case SUM -> sum(current == null ? 0L : number(current, STATE), number(update, UPDATE));
      case MAX, MIN -> {
        Number next = number(update, UPDATE);
        if (current == null) {
          yield update;
        }
        int order = compare(number(current, STATE), next);
        yield (this == MAX ? order >= 0 : order <= 0) ? current : update;
      }
      case MERGE -> {
        Map<Object, Object> merged = new LinkedHashMap<>();
        if (current != null) {
          merged.putAll(checked(current, Map.class, STATE));
        }
        merged.putAll(checked(update, Map.class, UPDATE));
        yield merged;
      }
    };
  }

  private <T> T checked(Object value, Class<T> type, String where) {
    if (type.isInstance(value)) {
      return type.cast(value);
    }
    throw mismatch(type == List.class ? "a list" : "an object", where, value);
  }

  private Number number(Object value, String where) {
    if (value instanceof Number number) {
      return number;
    }
    throw mismatch("numbers", where, value);
  }

  private IllegalArgumentException mismatch(String needs, String where, Object value) {
    return new IllegalArgumentException("merge: " + yamlName() + " needs " + needs + ", but " + where + " " + jsonType(value));
  }

  private static Object sum(Number a, Number b) {
    if (whole(a) && whole(b)) {
      try {
        return Math.addExact(a.longValue(), b.longValue());
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException("merge: sum overflows a 64-bit whole number: " + a + " + " + b, e);
      }
    }
    return a.doubleValue() + b.doubleValue();
  }

  private static boolean whole(Number n) {
    return n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte
        || n instanceof BigInteger big && big.bitLength() < 64;
  }

  private static int compare(Number a, Number b) {
    return whole(a) && whole(b) ? Long.compare(a.longValue(), b.longValue()) : Double.compare(a.doubleValue(), b.doubleValue());
  }

  private static boolean same(Object a, Object b) {
    return a instanceof Number x && b instanceof Number y ? compare(x, y) == 0 : Objects.equals(a, b);
  }

  /** The JSON type of a state value, for messages: string, number, boolean, list, object or null. */
  static String jsonType(Object value) {
    return switch (value) {
      case null -> "null";
      case String s -> "a string";
      case Boolean b -> "a boolean";
      case Number n -> "a number";
      case List<?> l -> "a list";
      case Map<?, ?> m -> "an object";
      default -> "a " + value.getClass().getSimpleName();
    };
  }
}
