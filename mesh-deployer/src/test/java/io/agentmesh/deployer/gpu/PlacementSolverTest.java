package io.agentmesh.deployer.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.agentmesh.deployer.gpu.PlacementException.Reason;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacementSolverTest {

  private static final PlacementSolver SOLVER = new PlacementSolver();
  private static final PlacementSolver SEARCH_ONLY = new PlacementSolver(PlacementSolver.Options.defaults(), false);

  // ---- minimal and valid against brute force ----

  @Test
  void matchesBruteForceOnTwoHundredSmallRandomInventories() {
    Random random = new Random(20_251_104L);
    int feasible = 0;
    int infeasible = 0;
    for (int instance = 0; instance < 200; instance++) {
      GpuPlan plan = randomPlan(random);
      Optional<long[]> best = bruteForce(plan);
      if (best.isEmpty()) {
        infeasible++;
        assertThatThrownBy(() -> SOLVER.solve(plan)).as("instance %d: %s", instance, plan)
            .isInstanceOf(PlacementException.class);
        assertThatThrownBy(() -> SEARCH_ONLY.solve(plan)).isInstanceOf(PlacementException.class);
        continue;
      }
      feasible++;
      for (PlacementSolver solver : List.of(SOLVER, SEARCH_ONLY)) {
        Placement placement = solver.solve(plan);
        assertValid(plan, placement);
        assertThat(placement.optimal()).isTrue();
        assertThat(placement.gpusUsed()).as("GPUs used, instance %d", instance).isEqualTo(minimumGpus(plan));
        assertThat(cost(placement)).as("(co-located pairs, wasted MiB), instance %d: %s", instance, plan)
            .containsExactly(best.get());
      }
    }
    assertThat(feasible).as("feasible instances").isGreaterThan(60);
    assertThat(infeasible).as("infeasible instances").isGreaterThan(60);
  }

  @Test
  void greedyFallbackIsValidAndFlaggedAsPossiblyNotMinimal() {
    Random random = new Random(7L);
    PlacementSolver greedyOnly = new PlacementSolver(new PlacementSolver.Options(0, 1_000));
    int checked = 0;
    for (int instance = 0; instance < 200; instance++) {
      GpuPlan plan = randomPlan(random);
      Placement placement;
      try {
        placement = greedyOnly.solve(plan);
      } catch (PlacementException e) {
        continue;
      }
      checked++;
      assertValid(plan, placement);
      assertThat(placement.optimal()).isFalse();
    }
    assertThat(checked).isGreaterThan(50);
  }

  @Test
  void searchThatRunsOutOfStepsKeepsTheGreedyPlacementAndSaysSo() {
    Placement placement = new PlacementSolver(new PlacementSolver.Options(128, 1)).solve(example());
    assertValid(example(), placement);
    assertThat(placement.optimal()).isFalse();
  }

  @Test
  void solvesAClusterOfTensOfGpusExactlyWithinTheDefaultBudget() {
    List<GpuNode> nodes = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      nodes.add(node("h" + i, "H100", 8, 80));
    }
    for (int i = 0; i < 4; i++) {
      nodes.add(node("a" + i, "A100-40GB", 4, 40));
    }
    GpuPlan plan = new GpuPlan(List.of(
        ModelSpec.of("m405", 400, 60, 8, 1, List.of("H100")),
        ModelSpec.of("m70", 130, 40, 4, 4, List.of("H100")),
        ModelSpec.of("m13", 26, 10, 2, 3, List.of()),
        ModelSpec.of("m8", 15, 8, 1, 6, List.of()),
        ModelSpec.of("c1", 2, 2, 1, 4, List.of())), nodes);
    Placement placement = SOLVER.solve(plan);
    assertValid(plan, placement);
    assertThat(placement.optimal()).isTrue();
    assertThat(cost(placement)[0]).as("co-located replica pairs").isZero();
  }

  // ---- tensor parallelism ----

  @Test
  void keepsEachTensorParallelGroupOnOneNode() {
    GpuPlan plan = new GpuPlan(List.of(ModelSpec.of("big", 100, 20, 4, 2, List.of())),
        List.of(node("a", "H100", 6, 80), node("b", "H100", 6, 80)));
    Placement placement = SOLVER.solve(plan);
    assertThat(placement.replicas()).extracting(r -> r.node().name()).containsExactly("a", "b");
    assertThat(placement.replicas()).extracting(ReplicaPlacement::gpuIndices)
        .containsExactly(List.of(0, 1, 2, 3), List.of(0, 1, 2, 3));
  }

  @Test
  void refusesToSplitATensorParallelGroupAcrossNodesEvenWhenTotalGpusSuffice() {
    GpuPlan plan = new GpuPlan(List.of(ModelSpec.of("big", 100, 20, 4, 2, List.of())),
        List.of(node("a", "H100", 6, 80), node("b", "H100", 2, 80)));
    PlacementException e = catchThrowableOfType(PlacementException.class, () -> SOLVER.solve(plan));
    assertThat(e.reason()).isEqualTo(Reason.TOTAL_GPUS_EXHAUSTED);
    assertThat(e.replica()).isEqualTo(1);
    assertThat(e).hasMessageContaining("largest free TP-group on a node of allowed type: 2 x 80 GiB on a");
  }

  // ---- objective: spread, then best fit ----

  @Test
  void spreadsReplicasOfOneModelAcrossNodesWhenThatCostsNoGpu() {
    GpuPlan plan = new GpuPlan(List.of(ModelSpec.of("small", 10, 2, 1, 3, List.of())),
        List.of(node("a", "H100", 4, 80), node("b", "H100", 4, 80), node("c", "H100", 4, 80)));
    assertThat(SOLVER.solve(plan).replicas()).extracting(r -> r.node().name()).containsExactly("a", "b", "c");
  }

  @Test
  void colocatesReplicasOnlyWhenNoOtherNodeHasRoom() {
    GpuPlan plan = new GpuPlan(
        List.of(ModelSpec.of("big", 200, 40, 4, 1, List.of()), ModelSpec.of("small", 10, 2, 1, 2, List.of())),
        List.of(node("a", "H100", 4, 80), node("b", "H100", 4, 80)));
    Placement placement = SOLVER.solve(plan);
    assertThat(placement.replicasOf("big")).extracting(r -> r.node().name()).containsExactly("a");
    assertThat(placement.replicasOf("small")).extracting(r -> r.node().name()).containsExactly("b", "b");
    assertThat(placement.replicasOf("small")).extracting(ReplicaPlacement::gpuIndices)
        .containsExactly(List.of(0), List.of(1));
  }

  @Test
  void putsSmallModelsOnTheSmallestGpusThatFit() {
    Placement placement = SOLVER.solve(example());
    assertThat(placement.replicasOf("classifier")).extracting(r -> r.node().name()).containsExactly("gpu-node-3");
    assertThat(placement.replicasOf("llama-70b")).extracting(r -> r.node().name())
        .containsExactly("gpu-node-1", "gpu-node-2");
    assertThat(placement.replicasOf("llama-8b")).extracting(r -> r.node().name())
        .containsExactlyInAnyOrder("gpu-node-1", "gpu-node-2", "gpu-node-3");
    assertThat(placement.gpusUsed()).isEqualTo(12);
    assertThat(placement.gpusAvailable()).isEqualTo(20);
  }

  @Test
  void respectsAllowedGpuTypes() {
    GpuPlan plan = new GpuPlan(List.of(ModelSpec.of("picky", 10, 2, 1, 2, List.of("A100-80GB"))),
        List.of(node("h", "H100", 8, 80), node("a", "A100-80GB", 2, 80)));
    assertThat(SOLVER.solve(plan).replicas()).extracting(r -> r.node().name()).containsExactly("a", "a");
  }

  @Test
  void givesTheSamePlacementEveryTime() {
    Placement first = SOLVER.solve(example());
    for (int i = 0; i < 5; i++) {
      assertThat(new PlacementSolver().solve(example())).isEqualTo(first);
    }
  }

  // ---- documented errors ----

  @Test
  void namesTheModelWhenNoGpuTypeIsAllowed() {
    GpuPlan plan = new GpuPlan(List.of(ModelSpec.of("m", 10, 2, 1, 1, List.of("H200"))),
        List.of(node("n1", "H100", 8, 80), node("n2", "A100-40GB", 4, 40)));
    PlacementException e = catchThrowableOfType(PlacementException.class, () -> SOLVER.solve(plan));
    assertThat(e.reason()).isEqualTo(Reason.NO_GPU_TYPE_ALLOWED);
    assertThat(e.model()).isEqualTo("m");
    assertThat(e).hasMessage("cannot place model 'm' replica 0: needs 1 GPU x 13.3 GiB each (TP=1, GPU types H200)"
        + " on one node; no GPU type allowed: the inventory has [A100-40GB, H100], the model allows only [H200]");
  }

  @Test
  void namesTheLargestGpuWhenNoneHasEnoughMemory() {
    GpuPlan plan = new GpuPlan(List.of(ModelSpec.of("m", 130, 40, 2, 1, List.of("A100-40GB", "H100"))),
        List.of(node("n1", "H100", 8, 80), node("n2", "A100-40GB", 4, 40)));
    PlacementException e = catchThrowableOfType(PlacementException.class, () -> SOLVER.solve(plan));
    assertThat(e.reason()).isEqualTo(Reason.NOT_ENOUGH_MEMORY_PER_GPU);
    assertThat(e).hasMessage("cannot place model 'm' replica 0: needs 2 GPUs x 94.4 GiB each (TP=2, GPU types "
        + "A100-40GB|H100) on one node; not enough memory per GPU: the largest GPU of an allowed type is 80 GiB on n1");
  }

  @Test
  void namesTheLargestNodeWhenNoneHoldsTheTensorParallelGroup() {
    GpuPlan plan = new GpuPlan(List.of(ModelSpec.of("m", 400, 100, 8, 1, List.of())),
        List.of(node("n1", "H100", 4, 80), node("n2", "H100", 4, 80), node("n3", "L4", 8, 24)));
    PlacementException e = catchThrowableOfType(PlacementException.class, () -> SOLVER.solve(plan));
    assertThat(e.reason()).isEqualTo(Reason.NOT_ENOUGH_GPUS_ON_ONE_NODE);
    assertThat(e).hasMessage("cannot place model 'm' replica 0: needs 8 GPUs x 69.4 GiB each (TP=8, any GPU type)"
        + " on one node; not enough GPUs on any single node for TP=8: the largest node with GPUs of an allowed type"
        + " and enough memory has 4 x 80 GiB (n1)");
  }

  @Test
  void namesTheReplicaAndTheLargestFreeGroupWhenGpusRunOut() {
    GpuPlan plan = new GpuPlan(
        List.of(ModelSpec.of("big", 130, 40, 4, 2, List.of("H100")), ModelSpec.of("small", 10, 2, 1, 3, List.of())),
        List.of(node("gpu-node-1", "H100", 8, 80), node("gpu-node-2", "H100", 2, 80)));
    PlacementException e = catchThrowableOfType(PlacementException.class, () -> SOLVER.solve(plan));
    assertThat(e.reason()).isEqualTo(Reason.TOTAL_GPUS_EXHAUSTED);
    assertThat(e.model()).isEqualTo("small");
    assertThat(e.replica()).isEqualTo(2);
    assertThat(e).hasMessage("cannot place model 'small' replica 2: needs 1 GPU x 13.3 GiB each (TP=1, any GPU type)"
        + " on one node; total GPUs exhausted: no GPU of an allowed type with enough memory is left free"
        + " (all models need 11 GPUs, the inventory has 10, 10 of them usable by this model)");
  }

  // ---- helpers ----

  static GpuPlan example() {
    Path dir = Path.of("..", "examples", "gpu");
    return GpuPlanParser.parse(dir.resolve("models.yaml"), dir.resolve("inventory.yaml"));
  }

  private static GpuNode node(String name, String type, int gpus, double memoryGiB) {
    return new GpuNode(name, type, gpus, memoryGiB);
  }

  private static GpuPlan randomPlan(Random random) {
    String[] types = {"H100", "A100", "L4"};
    double[] memories = {80, 40, 24};
    List<GpuNode> nodes = new ArrayList<>();
    int nodeCount = 1 + random.nextInt(3);
    for (int n = 0; n < nodeCount; n++) {
      int kind = random.nextInt(3);
      nodes.add(node("n" + n, types[kind], 2 + random.nextInt(3), memories[kind]));
    }
    List<ModelSpec> models = new ArrayList<>();
    int modelCount = 1 + random.nextInt(3);
    for (int m = 0; m < modelCount; m++) {
      int tp = new int[] {1, 1, 1, 2, 2, 4}[random.nextInt(6)];
      List<String> allowed = random.nextInt(4) == 0 ? List.of(types[random.nextInt(3)]) : List.of();
      models.add(ModelSpec.of("m" + m, 1 + random.nextInt(20 * tp), random.nextInt(10), tp,
          1 + random.nextInt(2), allowed));
    }
    return new GpuPlan(models, nodes);
  }

  /** Tries every replica-to-node assignment; the best (co-located pairs, wasted MiB), or empty when none fits. */
  private static Optional<long[]> bruteForce(GpuPlan plan) {
    List<ModelSpec> replicas = new ArrayList<>();
    plan.models().forEach(m -> { for (int r = 0; r < m.replicas(); r++) { replicas.add(m); } });
    int nodes = plan.nodes().size();
    long combinations = (long) Math.pow(nodes, replicas.size());
    long[] best = null;
    for (long code = 0; code < combinations; code++) {
      int[] used = new int[nodes];
      Map<String, Integer> together = new HashMap<>();
      long pairs = 0;
      long waste = 0;
      boolean valid = true;
      long rest = code;
      for (ModelSpec model : replicas) {
        int n = (int) (rest % nodes);
        rest /= nodes;
        GpuNode node = plan.nodes().get(n);
        used[n] += model.tensorParallel();
        if (!model.allows(node.gpuType()) || model.memoryPerGpuMiB() > node.memoryMiB() || used[n] > node.gpus()) {
          valid = false;
          break;
        }
        pairs += together.merge(model.name() + "@" + n, 1, Integer::sum) - 1;
        waste += model.tensorParallel() * (node.memoryMiB() - model.memoryPerGpuMiB());
      }
      if (valid && (best == null || pairs < best[0] || (pairs == best[0] && waste < best[1]))) {
        best = new long[] {pairs, waste};
      }
    }
    return Optional.ofNullable(best);
  }

  private static int minimumGpus(GpuPlan plan) {
    return plan.models().stream().mapToInt(m -> m.tensorParallel() * m.replicas()).sum();
  }

  private static long[] cost(Placement placement) {
    Map<String, Integer> together = new HashMap<>();
    long pairs = 0;
    long waste = 0;
    for (ReplicaPlacement r : placement.replicas()) {
      pairs += together.merge(r.model().name() + "@" + r.node().name(), 1, Integer::sum) - 1;
      waste += r.model().tensorParallel() * (r.node().memoryMiB() - r.model().memoryPerGpuMiB());
    }
    return new long[] {pairs, waste};
  }

  /** Every replica placed once, on an allowed type, within memory, on distinct in-range GPUs of one node. */
  static void assertValid(GpuPlan plan, Placement placement) {
    Set<String> takenGpus = new HashSet<>();
    for (ModelSpec model : plan.models()) {
      List<ReplicaPlacement> replicas = placement.replicasOf(model.name());
      assertThat(replicas).extracting(ReplicaPlacement::replica)
          .containsExactlyElementsOf(java.util.stream.IntStream.range(0, model.replicas()).boxed().toList());
      for (ReplicaPlacement replica : replicas) {
        GpuNode node = replica.node();
        assertThat(plan.nodes()).contains(node);
        assertThat(model.allows(node.gpuType())).as("%s on %s", model.name(), node.gpuType()).isTrue();
        assertThat(model.memoryPerGpuMiB()).isLessThanOrEqualTo(node.memoryMiB());
        assertThat(replica.gpuIndices()).hasSize(model.tensorParallel()).allSatisfy(i -> assertThat(i)
            .isBetween(0, node.gpus() - 1));
        for (int index : replica.gpuIndices()) {
          assertThat(takenGpus.add(node.name() + "#" + index)).as("GPU %d on %s given twice", index, node.name())
              .isTrue();
        }
      }
    }
    assertThat(placement.replicas()).hasSize(plan.models().stream().mapToInt(ModelSpec::replicas).sum());
  }
}
