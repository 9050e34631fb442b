package io.agentmesh.deployer.gpu;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/** Where one replica of a model runs: its node and the indices of the GPUs it owns there. */
public record ReplicaPlacement(ModelSpec model, int replica, GpuNode node, List<Integer> gpuIndices) {

  /** Checks the indices fit the node and match the model's tensor-parallel size. */
  public ReplicaPlacement {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(node, "node");
    gpuIndices = List.copyOf(gpuIndices);
    if (gpuIndices.size() != model.tensorParallel()) {
      throw new IllegalArgumentException("model '" + model.name() + "' replica " + replica + ": "
          + gpuIndices.size() + " GPUs for tensorParallel " + model.tensorParallel());
    }
    for (int index : gpuIndices) {
      if (index < 0 || index >= node.gpus()) {
        throw new IllegalArgumentException("GPU index " + index + " out of range on node '" + node.name() + "'");
      }
    }
  }

  /** The Kubernetes name of this replica's Deployment: {@code model-<name>-<replica>}. */
  public String deploymentName() {
    return "model-" + model.name() + "-" + replica;
  }

  /** The GPU indices as vLLM and the NVIDIA runtime spell them: {@code "0,1"}. */
  public String deviceList() {
    return gpuIndices.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  /** GiB this replica needs on each of its GPUs (see {@link ModelSpec#memoryPerGpuGiB()}). */
  public double usedGiBPerGpu() {
    return model.memoryPerGpuGiB();
  }

  /** GiB left on each of its GPUs beyond the need: headroom, since no other replica shares the GPU. */
  public double freeGiBPerGpu() {
    return node.memoryGiB() - model.memoryPerGpuGiB();
  }
}
