package io.agentmesh.deployer.gpu;

import io.agentmesh.core.MeshException;

/** A models or GPU inventory file that cannot be used; the message names the file and the field. */
public final class GpuPlanException extends MeshException {

  private static final long serialVersionUID = 1L;

  GpuPlanException(String message) {
    super(message, false);
  }

  GpuPlanException(String message, Throwable cause) {
    super(message, cause, false);
  }
}
