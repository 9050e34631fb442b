package io.agentmesh.deployer.gpu;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Kubernetes objects for a {@link Placement}: one vLLM Deployment per replica, pinned to its node,
 * and one Service per model in front of all its replicas.
 *
 * <p>Each Deployment runs exactly one pod ({@code replicas: 1}, strategy {@code Recreate}: a
 * rolling update would need a second set of GPUs on the same node). The pod requests and limits
 * {@code nvidia.com/gpu} = tensorParallel, requires its node by {@code kubernetes.io/hostname},
 * tolerates the usual {@code nvidia.com/gpu} taint, and mounts a memory-backed {@code /dev/shm}
 * for tensor-parallel workers. The planned physical GPU indices go in the annotation
 * {@value #GPU_INDICES_ANNOTATION} and in {@code NVIDIA_VISIBLE_DEVICES}; {@code CUDA_VISIBLE_DEVICES}
 * is {@code 0..TP-1} because inside the container the visible GPUs are renumbered from 0. Under the
 * NVIDIA device plugin the plugin chooses the physical GPUs and its own {@code NVIDIA_VISIBLE_DEVICES}
 * wins, so on Kubernetes the indices are the plan (the count and the node are enforced); runtimes
 * that honour the variable (docker, compose) pin exactly.
 */
public final class ModelServers {

  /** Port of vLLM's OpenAI-compatible API, on the container and on the Service. */
  public static final int PORT = 8000;
  /** Annotation holding the planned physical GPU indices, e.g. {@code "4,5,6,7"}. */
  public static final String GPU_INDICES_ANNOTATION = "agentmesh.io/gpu-indices";
  /** Annotation holding the planned node. */
  public static final String GPU_NODE_ANNOTATION = "agentmesh.io/gpu-node";
  /** Pod label naming the model; the Service and agents' NetworkPolicies select on it. */
  public static final String MODEL_LABEL = "agentmesh.io/model";
  /** Pod label holding the replica number. */
  public static final String REPLICA_LABEL = "agentmesh.io/replica";
  /** The extended resource the NVIDIA device plugin advertises. */
  public static final String GPU_RESOURCE = "nvidia.com/gpu";

  private static final String COMPONENT = "model-server";

  private ModelServers() {}

  /** The objects for {@code placement}, without a namespace (kustomize or the caller sets it). */
  public static List<HasMetadata> emit(Placement placement) {
    return emit(placement, null);
  }

  /**
   * The objects for {@code placement} in {@code namespace} (null: none): Deployments in placement
   * order (model, then replica), then one Service per model in model order.
   */
  public static List<HasMetadata> emit(Placement placement, String namespace) {
    List<HasMetadata> objects = new ArrayList<>();
    for (ReplicaPlacement replica : placement.replicas()) {
      objects.add(deployment(replica, namespace));
    }
    for (ModelSpec model : placement.models()) {
      objects.add(service(model, namespace));
    }
    return objects;
  }

  /** The Service of a model: {@code model-<name>}. */
  public static String serviceName(String modelName) {
    return "model-" + modelName;
  }

  /** The base URL agents use for a model's OpenAI-compatible API: {@code http://model-<name>:8000/v1}. */
  public static String agentBaseUrl(String modelName) {
    return "http://" + serviceName(modelName) + ":" + PORT + "/v1";
  }

  static Deployment deployment(ReplicaPlacement replica, String namespace) {
    ModelSpec model = replica.model();
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put(MODEL_LABEL, model.name());
    selector.put(REPLICA_LABEL, String.valueOf(replica.replica()));
    Map<String, String> labels = labels();
    labels.put("app.kubernetes.io/instance", replica.deploymentName());
    labels.putAll(selector);
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(GPU_NODE_ANNOTATION, replica.node().name());
    annotations.put(GPU_INDICES_ANNOTATION, replica.deviceList());
    return new DeploymentBuilder()
        .withNewMetadata()
            .withName(replica.deploymentName())
            .withNamespace(namespace)
            .withLabels(labels)
            .withAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
            .withReplicas(1)
            .withNewSelector().withMatchLabels(selector).endSelector()
            .withNewStrategy().withType("Recreate").endStrategy()
            .withNewTemplate()
                .withNewMetadata().withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec()
                    .withAffinity(pinnedTo(replica.node().name()))
                    .withTolerations(new TolerationBuilder()
                        .withKey(GPU_RESOURCE).withOperator("Exists").withEffect("NoSchedule").build())
                    .withContainers(container(replica))
                    .withVolumes(new VolumeBuilder().withName("dshm")
                        .withNewEmptyDir().withMedium("Memory").endEmptyDir().build())
                .endSpec()
            .endTemplate()
        .endSpec()
        .build();
  }

  static Service service(ModelSpec model, String namespace) {
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put(MODEL_LABEL, model.name());
    selector.put("app.kubernetes.io/component", COMPONENT);
    Map<String, String> labels = labels();
    labels.put("app.kubernetes.io/instance", serviceName(model.name()));
    labels.put(MODEL_LABEL, model.name());
    return new ServiceBuilder()
        .withNewMetadata().withName(serviceName(model.name())).withNamespace(namespace).withLabels(labels).endMetadata()
        .withNewSpec()
            .withSelector(selector)
            .addNewPort().withName("http").withProtocol("TCP").withPort(PORT)
                .withTargetPort(new IntOrString("http")).endPort()
        .endSpec()
        .build();
  }

  private static Container container(ReplicaPlacement replica) {
    ModelSpec model = replica.model();
    Quantity gpus = new Quantity(String.valueOf(model.tensorParallel()));
    String inContainer = IntStream.range(0, model.tensorParallel()).mapToObj(String::valueOf)
        .collect(Collectors.joining(","));
    return new ContainerBuilder()
        .withName("vllm")
        .withImage(model.image())
        .withArgs(
            "--model", model.model(),
            "--served-model-name", model.servedModelName(),
            "--tensor-parallel-size", String.valueOf(model.tensorParallel()),
            "--max-model-len", String.valueOf(model.maxModelLen()),
            "--gpu-memory-utilization", String.valueOf(model.gpuMemoryUtilization()),
            "--port", String.valueOf(PORT))
        .addNewPort().withName("http").withContainerPort(PORT).withProtocol("TCP").endPort()
        .addNewEnv().withName("NVIDIA_VISIBLE_DEVICES").withValue(replica.deviceList()).endEnv()
        .addNewEnv().withName("CUDA_VISIBLE_DEVICES").withValue(inContainer).endEnv()
        .withNewResources()
            .addToRequests(GPU_RESOURCE, gpus)
            .addToLimits(GPU_RESOURCE, gpus)
        .endResources()
        .withNewReadinessProbe()
            .withNewHttpGet().withPath("/health").withPort(new IntOrString("http")).endHttpGet()
            .withInitialDelaySeconds(30)
            .withPeriodSeconds(10)
            .withFailureThreshold(3)
        .endReadinessProbe()
        .withVolumeMounts(new VolumeMountBuilder().withName("dshm").withMountPath("/dev/shm").build())
        .build();
  }

  private static Affinity pinnedTo(String nodeName) {
    return new AffinityBuilder()
        .withNewNodeAffinity()
            .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm()
                    .addNewMatchExpression()
                        .withKey("kubernetes.io/hostname").withOperator("In").withValues(nodeName)
                    .endMatchExpression()
                .endNodeSelectorTerm()
            .endRequiredDuringSchedulingIgnoredDuringExecution()
        .endNodeAffinity()
        .build();
  }

  private static Map<String, String> labels() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", "vllm");
    labels.put("app.kubernetes.io/component", COMPONENT);
    labels.put("app.kubernetes.io/part-of", "agentmesh");
    labels.put("app.kubernetes.io/managed-by", "mesh-deploy");
    return labels;
  }
}
