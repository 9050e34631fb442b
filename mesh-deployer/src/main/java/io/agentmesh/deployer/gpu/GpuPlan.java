package io.agentmesh.deployer.gpu;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** The model servers to place and the GPU inventory to place them on. */
public record GpuPlan(List<ModelSpec> models, List<GpuNode> nodes) {

  /** Copies both lists and rejects duplicate model or node names. */
  public GpuPlan {
    models = List.copyOf(Objects.requireNonNull(models, "models"));
    nodes = List.copyOf(Objects.requireNonNull(nodes, "nodes"));
    Set<String> seen = new HashSet<>();
    for (ModelSpec model : models) {
      if (!seen.add(model.name())) {
        throw new IllegalArgumentException("model '" + model.name() + "' is declared twice");
      }
    }
    seen.clear();
    for (GpuNode node : nodes) {
      if (!seen.add(node.name())) {
        throw new IllegalArgumentException("GPU node '" + node.name() + "' is declared twice");
      }
    }
  }
}
