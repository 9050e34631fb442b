package io.agentmesh.deployer.gpu;

import java.util.List;

/**
 * A solved placement: every replica of every model on a node and GPUs.
 *
 * <p>{@code optimal} is true when the exact search finished, so no placement spreads replicas
 * better or wastes less GPU memory; false when the greedy fallback (large inventory, or search
 * budget spent) produced it. The GPU count is the same for every valid placement (see
 * {@link PlacementSolver}).
 */
public record Placement(List<ModelSpec> models, List<GpuNode> nodes, List<ReplicaPlacement> replicas,
    boolean optimal) {

  /** Copies the lists. */
  public Placement {
    models = List.copyOf(models);
    nodes = List.copyOf(nodes);
    replicas = List.copyOf(replicas);
  }

  /** GPUs owned by some replica. */
  public int gpusUsed() {
    return replicas.stream().mapToInt(r -> r.gpuIndices().size()).sum();
  }

  /** GPUs in the whole inventory. */
  public int gpusAvailable() {
    return nodes.stream().mapToInt(GpuNode::gpus).sum();
  }

  /** The replicas of one model, in replica order. */
  public List<ReplicaPlacement> replicasOf(String modelName) {
    return replicas.stream().filter(r -> r.model().name().equals(modelName)).toList();
  }

  /** The replicas on one node, in output order. */
  public List<ReplicaPlacement> replicasOn(String nodeName) {
    return replicas.stream().filter(r -> r.node().name().equals(nodeName)).toList();
  }
}
