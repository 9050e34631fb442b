package io.agentmesh.deployer.gpu;

import io.agentmesh.core.MeshException;

/**
 * No placement exists (or none was found) for a model replica. The message names the model, the
 * replica, what one replica needs, and the best capacity the inventory offered; {@link #reason()}
 * says which of the documented cases it is.
 */
public final class PlacementException extends MeshException {

  private static final long serialVersionUID = 1L;

  /** Why a replica could not be placed. */
  public enum Reason {
    /** No node in the inventory has a GPU of a type the model allows. */
    NO_GPU_TYPE_ALLOWED,
    /** GPUs of an allowed type exist, but none has the memory one tensor-parallel shard needs. */
    NOT_ENOUGH_MEMORY_PER_GPU,
    /** GPUs of an allowed type with enough memory exist, but no single node has tensorParallel of them. */
    NOT_ENOUGH_GPUS_ON_ONE_NODE,
    /** Each replica could fit alone, but the inventory runs out of GPUs for all replicas together. */
    TOTAL_GPUS_EXHAUSTED
  }

  private final Reason reason;
  private final String model;
  private final int replica;

  PlacementException(Reason reason, String model, int replica, String message) {
    super(message, false);
    this.reason = reason;
    this.model = model;
    this.replica = replica;
  }

  /** Which documented case this is. */
  public Reason reason() {
    return reason;
  }

  /** The model that could not be placed. */
  public String model() {
    return model;
  }

  /** The replica (0-based) that could not be placed. */
  public int replica() {
    return replica;
  }
}
