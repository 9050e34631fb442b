package io.agentmesh.deployer.gpu;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The placement report: per replica its model, replica number, node, GPU type, GPU indices and
 * memory needed and left free per GPU; then GPUs used out of those available, per node and in all.
 * As an aligned plain-text table and as JSON.
 */
public final class PlacementReport {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final String[] HEADER =
      {"MODEL", "REPLICA", "NODE", "GPU TYPE", "GPUS", "GPU GIB", "NEED GIB", "FREE GIB"};

  private PlacementReport() {}

  /** The report as an aligned plain-text table, a line per replica, then totals. */
  public static String table(Placement placement) {
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    for (ReplicaPlacement r : placement.replicas()) {
      rows.add(new String[] {r.model().name(), String.valueOf(r.replica()), r.node().name(), r.node().gpuType(),
          r.deviceList(), Units.gib(r.node().memoryGiB()), oneDecimal(r.usedGiBPerGpu()), oneDecimal(r.freeGiBPerGpu())});
    }
    int[] widths = new int[HEADER.length];
    for (String[] row : rows) {
      for (int c = 0; c < row.length; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < row.length; c++) {
        boolean numeric = c == 1 || c >= 5;
        String cell = numeric ? " ".repeat(widths[c] - row[c].length()) + row[c]
            : row[c] + " ".repeat(widths[c] - row[c].length());
        line.append(c == 0 ? "" : "  ").append(cell);
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    out.append("(GiB per GPU: its memory, what the replica needs, what is left)\n\n");
    for (GpuNode node : placement.nodes()) {
      out.append("node ").append(node.name()).append(" (").append(node.gpuType()).append(", ")
          .append(Units.gib(node.memoryGiB())).append(" GiB/GPU): ").append(used(placement, node)).append(" of ")
          .append(node.gpus()).append(" GPUs used\n");
    }
    out.append("total: ").append(placement.gpusUsed()).append(" of ").append(placement.gpusAvailable())
        .append(" GPUs used; ").append(placement.optimal()
            ? "optimal (exact search)"
            : "greedy placement, spread and fit may not be optimal").append('\n');
    return out.toString();
  }

  /** The report as a JSON tree: {@code replicas}, {@code nodes}, {@code totals}. */
  public static ObjectNode jsonTree(Placement placement) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode replicas = root.putArray("replicas");
    for (ReplicaPlacement r : placement.replicas()) {
      ObjectNode row = replicas.addObject();
      row.put("model", r.model().name());
      row.put("replica", r.replica());
      row.put("deployment", r.deploymentName());
      row.put("node", r.node().name());
      row.put("gpuType", r.node().gpuType());
      ArrayNode gpus = row.putArray("gpus");
      r.gpuIndices().forEach(gpus::add);
      row.put("tensorParallel", r.model().tensorParallel());
      row.put("memoryGiBPerGpu", round(r.node().memoryGiB()));
      row.put("usedGiBPerGpu", round(r.usedGiBPerGpu()));
      row.put("freeGiBPerGpu", round(r.freeGiBPerGpu()));
    }
    ArrayNode nodes = root.putArray("nodes");
    for (GpuNode node : placement.nodes()) {
      ObjectNode row = nodes.addObject();
      row.put("node", node.name());
      row.put("gpuType", node.gpuType());
      row.put("gpus", node.gpus());
      row.put("gpusUsed", used(placement, node));
    }
    ObjectNode totals = root.putObject("totals");
    totals.put("gpusUsed", placement.gpusUsed());
    totals.put("gpusAvailable", placement.gpusAvailable());
    totals.put("optimal", placement.optimal());
    return root;
  }

  /** The report as indented JSON text. */
  public static String json(Placement placement) {
    try {
      return JSON.writeValueAsString(jsonTree(placement)) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  private static String oneDecimal(double gib) {
    return String.format(Locale.ROOT, "%.1f", gib);
  }

  private static int used(Placement placement, GpuNode node) {
    return placement.replicasOn(node.name()).stream().mapToInt(r -> r.gpuIndices().size()).sum();
  }

  private static BigDecimal round(double gib) {
    return BigDecimal.valueOf(gib).setScale(2, RoundingMode.HALF_UP);
  }
}
