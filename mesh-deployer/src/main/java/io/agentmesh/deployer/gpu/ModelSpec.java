package io.agentmesh.deployer.gpu;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One model server to place: its weights, KV-cache headroom, tensor-parallel size, replica count,
 * the GPU types it may run on (empty: any) and the vLLM settings it is served with.
 *
 * <p>{@code model} is what vLLM loads ({@code --model}: a Hugging Face id or a path);
 * {@code servedModelName} is the name clients ask for on the OpenAI-compatible API.
 */
public record ModelSpec(
    String name,
    String model,
    double weightsGiB,
    double kvCacheGiB,
    int tensorParallel,
    int replicas,
    List<String> gpuTypes,
    int maxModelLen,
    double gpuMemoryUtilization,
    String image,
    String servedModelName) {

  /** The vLLM image used when a model names none. */
  public static final String DEFAULT_IMAGE = "vllm/vllm-openai:v0.11.0";
  /** vLLM's own default fraction of GPU memory it may use. */
  public static final double DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

  /** Longest name that keeps {@code model-<name>-<replica>} a valid 63-character DNS label. */
  static final int MAX_NAME_LENGTH = 50;
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  /** Validates every field; the message names the model and the field. */
  public ModelSpec {
    Objects.requireNonNull(name, "name");
    if (!DNS_LABEL.matcher(name).matches() || name.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException("model name '" + name + "' must be lowercase letters, digits and '-', "
          + "start and end with a letter or digit, at most " + MAX_NAME_LENGTH + " characters");
    }
    model = blankToNull(model) == null ? name : model;
    servedModelName = blankToNull(servedModelName) == null ? name : servedModelName;
    image = blankToNull(image) == null ? DEFAULT_IMAGE : image;
    gpuTypes = List.copyOf(gpuTypes == null ? List.of() : gpuTypes);
    if (!(weightsGiB > 0) || Double.isInfinite(weightsGiB)) {
      throw invalid(name, "weights", "must be > 0 GiB, was " + weightsGiB);
    }
    if (!(kvCacheGiB >= 0) || Double.isInfinite(kvCacheGiB)) {
      throw invalid(name, "kvCacheGiB", "must be >= 0, was " + kvCacheGiB);
    }
    if (tensorParallel != 1 && tensorParallel != 2 && tensorParallel != 4 && tensorParallel != 8) {
      throw invalid(name, "tensorParallel", "must be 1, 2, 4 or 8, was " + tensorParallel);
    }
    if (replicas < 1) {
      throw invalid(name, "replicas", "must be >= 1, was " + replicas);
    }
    if (maxModelLen < 1) {
      throw invalid(name, "maxModelLen", "must be >= 1, was " + maxModelLen);
    }
    if (!(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1)) {
      throw invalid(name, "gpuMemoryUtilization", "must be in (0, 1], was " + gpuMemoryUtilization);
    }
  }

  /** A model with the defaults for everything but its sizing; tests and examples start here. */
  public static ModelSpec of(String name, double weightsGiB, double kvCacheGiB, int tensorParallel, int replicas,
      List<String> gpuTypes) {
    return new ModelSpec(name, null, weightsGiB, kvCacheGiB, tensorParallel, replicas, gpuTypes, 8192,
        DEFAULT_GPU_MEMORY_UTILIZATION, null, null);
  }

  /** Memory one GPU of a replica needs, in GiB: {@code (weights + kvCache) / tensorParallel / gpuMemoryUtilization}. */
  public double memoryPerGpuGiB() {
    return (weightsGiB + kvCacheGiB) / tensorParallel / gpuMemoryUtilization;
  }

  /** {@link #memoryPerGpuGiB()} in MiB, rounded up: the unit the solver compares in. */
  public long memoryPerGpuMiB() {
    return (long) Math.ceil(memoryPerGpuGiB() * 1024.0 - 1e-9);
  }

  /** Whether a GPU of {@code gpuType} is allowed (an empty list allows every type). */
  public boolean allows(String gpuType) {
    return gpuTypes.isEmpty() || gpuTypes.contains(gpuType);
  }

  /** Whether one replica's GPU fits on a GPU of {@code node}: allowed type and enough memory. */
  boolean fitsGpuOf(GpuNode node) {
    return allows(node.gpuType()) && memoryPerGpuMiB() <= node.memoryMiB();
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private static IllegalArgumentException invalid(String model, String field, String problem) {
    return new IllegalArgumentException("model '" + model + "': " + field + " " + problem);
  }
}
