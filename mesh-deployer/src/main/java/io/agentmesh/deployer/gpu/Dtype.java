package io.agentmesh.deployer.gpu;

import java.util.Locale;

/** A weight data type and its size in bytes per parameter. */
public enum Dtype {
  BF16(2.0),
  FP16(2.0),
  FP8(1.0),
  INT8(1.0),
  INT4(0.5);

  private static final double BYTES_PER_GIB = 1024.0 * 1024.0 * 1024.0;

  private final double bytesPerParameter;

  Dtype(double bytesPerParameter) {
    this.bytesPerParameter = bytesPerParameter;
  }

  /** Bytes one parameter takes in this type. */
  public double bytesPerParameter() {
    return bytesPerParameter;
  }

  /** GiB that {@code parameters} weights take in this type (weights only, no runtime overhead). */
  public double weightsGiB(double parameters) {
    return parameters * bytesPerParameter / BYTES_PER_GIB;
  }

  /** The type spelled as in the YAML ({@code bf16}, {@code int4}). */
  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
