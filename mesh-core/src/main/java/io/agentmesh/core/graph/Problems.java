package io.agentmesh.core.graph;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Collects validation errors, placing each at the source position of a document path such as
 * {@code nodes.writer.model} or {@code edges[2].when}. A path with no recorded position falls back
 * to its nearest recorded parent.
 */
final class Problems {

  private final String file;
  private final Map<String, int[]> positions;
  private final List<ValidationError> errors = new ArrayList<>();

  Problems(String file, Map<String, int[]> positions) {
    this.file = file;
    this.positions = positions;
  }

  /** For sources with no positions (the Java builder). */
  static Problems withoutPositions(String file) {
    return new Problems(file, new HashMap<>());
  }

  String file() {
    return file;
  }

  void add(String path, String node, String message) {
    int[] pos = position(path);
    errors.add(new ValidationError(file, pos[0], pos[1], Optional.ofNullable(node), message));
  }

  void add(String path, String message) {
    add(path, null, message);
  }

  void addAt(int line, int column, String message) {
    errors.add(new ValidationError(file, line, column, Optional.empty(), message));
  }

  boolean isEmpty() {
    return errors.isEmpty();
  }

  void throwIfAny() {
    if (!errors.isEmpty()) {
      List<ValidationError> sorted = new ArrayList<>(errors);
      sorted.sort(Comparator.comparingInt(ValidationError::line).thenComparingInt(ValidationError::column));
      throw new GraphValidationException(sorted);
    }
  }

  private int[] position(String path) {
    String p = path;
    while (p != null && !p.isEmpty()) {
      int[] pos = positions.get(p);
      if (pos != null) {
        return pos;
      }
      p = parent(p);
    }
    return new int[] {0, 0};
  }

  private static String parent(String path) {
    int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    return cut <= 0 ? null : path.substring(0, cut);
  }
}
