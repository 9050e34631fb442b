package io.agentmesh.deployer.k8s;

import io.agentmesh.core.plan.Plan;
import io.agentmesh.deployer.topology.AclPlan;
import io.agentmesh.deployer.topology.MeshPrincipal;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The gateway's and the Schema Registry's Deployment and Service. */
final class MeshServices {

  private MeshServices() {}

  /** The gateway: {@code mesh gateway} on 8080, writing ingress and reading results and events. */
  static List<HasMetadata> gateway(Plan plan, AclPlan acls, K8sOptions options, Map<String, String> graphLabels,
      String configMap, String registryService) {
    MeshPrincipal principal = principal(acls, MeshPrincipal.Kind.GATEWAY);
    String name = AgentWorkloads.workloadName(plan, "gateway");
    List<EnvVar> env = kafkaEnv(options, principal);
    env.add(new EnvVarBuilder().withName("MESH_REGISTRY_URL")
        .withValue("http://" + registryService + ":" + K8sOptions.REGISTRY_PORT).build());
    env.add(secret("MESH_REDIS_URI", options.redisSecret(), options.redisSecretKey()));
    List<String> args = List.of("gateway", AgentWorkloads.CONFIG_MOUNT + "/graph.yaml",
        AgentWorkloads.CONFIG_MOUNT + "/deploy.yaml", "--port", Integer.toString(K8sOptions.GATEWAY_PORT));
    return service(name, "gateway", K8sOptions.GATEWAY_PORT, args, env, options, graphLabels, configMap);
  }

  /** The registry: {@code mesh registry} on 8081, storing schemas in {@code _schemas}. */
  static List<HasMetadata> registry(Plan plan, AclPlan acls, K8sOptions options, Map<String, String> graphLabels) {
    MeshPrincipal principal = principal(acls, MeshPrincipal.Kind.REGISTRY);
    String name = registryService(plan);
    List<String> args = List.of("registry", "--port", Integer.toString(K8sOptions.REGISTRY_PORT));
    return service(name, "registry", K8sOptions.REGISTRY_PORT, args, kafkaEnv(options, principal), options,
        graphLabels, null);
  }

  /** The registry's Service name: {@code <graph>-registry}. */
  static String registryService(Plan plan) {
    return AgentWorkloads.workloadName(plan, "registry");
  }

  private static List<HasMetadata> service(String name, String component, int port, List<String> args, List<EnvVar> env,
      K8sOptions options, Map<String, String> graphLabels, String configMap) {
    Map<String, String> selector = Map.of("app.kubernetes.io/instance", name);
    Map<String, String> labels = new LinkedHashMap<>(graphLabels);
    labels.put("app.kubernetes.io/component", component);
    labels.putAll(selector);
    DeploymentBuilder deployment = new DeploymentBuilder();
    var pod = deployment.withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewSpec()
            .withReplicas(1)
            .withSelector(AgentWorkloads.selector(selector))
            .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                    .withAutomountServiceAccountToken(false)
                    .addNewContainer()
                        .withName(component)
                        .withImage(options.image())
                        .withArgs(args)
                        .withEnv(env)
                        .addNewPort().withName("http").withContainerPort(port).endPort()
                        .withNewReadinessProbe().withNewTcpSocket().withPort(new IntOrString("http")).endTcpSocket()
                            .endReadinessProbe();
    if (configMap != null) {
      pod = pod.addNewVolumeMount().withName("mesh-config").withMountPath(AgentWorkloads.CONFIG_MOUNT)
          .withReadOnly(true).endVolumeMount();
    }
    var spec = pod.endContainer();
    if (configMap != null) {
      spec = spec.addNewVolume().withName("mesh-config").withNewConfigMap().withName(configMap).endConfigMap().endVolume();
    }
    spec.endSpec().endTemplate().endSpec();
    List<HasMetadata> out = new ArrayList<>();
    out.add(deployment.build());
    out.add(new ServiceBuilder()
        .withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewSpec()
            .withSelector(selector)
            .addNewPort().withName("http").withPort(port).withTargetPort(new IntOrString("http")).endPort()
        .endSpec()
        .build());
    return out;
  }

  private static List<EnvVar> kafkaEnv(K8sOptions options, MeshPrincipal principal) {
    List<EnvVar> env = new ArrayList<>();
    env.add(new EnvVarBuilder().withName("MESH_KAFKA_BOOTSTRAP").withValue(options.kafkaBootstrap()).build());
    env.add(new EnvVarBuilder().withName("MESH_KAFKA_SECURITY_PROTOCOL").withValue(options.securityProtocol()).build());
    env.add(new EnvVarBuilder().withName("MESH_KAFKA_SASL_MECHANISM").withValue("SCRAM-SHA-512").build());
    env.add(secret("MESH_KAFKA_SASL_JAAS_CONFIG", principal.name(), "sasl.jaas.config"));
    return env;
  }

  private static EnvVar secret(String name, String secret, String key) {
    return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef()
        .withName(secret).withKey(key).withOptional(false).endSecretKeyRef().endValueFrom().build();
  }

  private static MeshPrincipal principal(AclPlan acls, MeshPrincipal.Kind kind) {
    return acls.principals().stream().filter(p -> p.kind() == kind).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("the ACL plan has no " + kind + " principal"));
  }
}
