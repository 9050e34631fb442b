package io.agentmesh.deployer.gpu;

import java.util.Objects;

/**
 * One node of the GPU inventory: {@code gpus} identical GPUs of {@code gpuType} with
 * {@code memoryGiB} each. The name is the node's {@code kubernetes.io/hostname} label.
 */
public record GpuNode(String name, String gpuType, int gpus, double memoryGiB) {

  /** Validates every field; the message names the node and the field. */
  public GpuNode {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(gpuType, "gpuType");
    if (name.isBlank()) {
      throw new IllegalArgumentException("GPU node name must not be blank");
    }
    if (gpuType.isBlank()) {
      throw new IllegalArgumentException("GPU node '" + name + "': gpuType must not be blank");
    }
    if (gpus < 1) {
      throw new IllegalArgumentException("GPU node '" + name + "': gpus must be >= 1, was " + gpus);
    }
    if (!(memoryGiB > 0) || Double.isInfinite(memoryGiB)) {
      throw new IllegalArgumentException("GPU node '" + name + "': memoryGiB must be > 0, was " + memoryGiB);
    }
  }

  /** Memory of one GPU in MiB, the unit the solver compares in. */
  public long memoryMiB() {
    return Math.round(memoryGiB * 1024.0);
  }
}
