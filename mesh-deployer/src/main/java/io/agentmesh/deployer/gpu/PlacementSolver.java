package io.agentmesh.deployer.gpu;

import io.agentmesh.deployer.gpu.PlacementException.Reason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * Assigns every replica of every model server to a node and to concrete GPU indices there.
 *
 * <p>Constraints: a replica owns {@code tensorParallel} whole GPUs, all on one node, of a type
 * the model allows, each with at least {@link ModelSpec#memoryPerGpuGiB()} of memory. A GPU
 * belongs to at most one replica: vLLM preallocates {@code gpuMemoryUtilization} of each GPU it
 * is given, so two servers never share one.
 *
 * <p>Objective, in order: (1) as few GPUs as possible; under exclusive ownership every valid
 * placement uses exactly {@code sum(tensorParallel x replicas)} GPUs, so this part is met by any
 * solution and the search is about feasibility; (2) spread: as few pairs of replicas of one model
 * sharing a node as possible; (3) best fit: as little GPU memory left over on used GPUs as
 * possible, which keeps large GPUs free for the models that need them.
 *
 * <p>Method: a depth-first branch and bound over replicas, hardest models first (largest
 * tensor-parallel size, fewest usable GPUs, largest need), seeded with the greedy result as the
 * incumbent. It prunes on a lower bound of the remaining memory waste and on a capacity check
 * per model, and breaks symmetry twice: replicas of one model take nodes in non-decreasing order,
 * and of nodes that are indistinguishable at this point (same type, memory, size, free GPUs and
 * replicas per model) only the first is tried. GPUs on a node are identical, so the search picks
 * nodes and the indices are handed out afterwards, lowest first, in model order.
 *
 * <p>Inventories above {@link Options#maxGpusForExactSearch()} GPUs, or searches that spend
 * {@link Options#maxSearchSteps()}, fall back to the greedy placement (best found so far when
 * there is one), marked {@code optimal = false}: its spread and fit may be improvable, and when
 * it fails a placement might still exist. Greedy: replicas in the same order, each to the usable
 * node with the fewest replicas of its model, then least memory left over per GPU, then fewest
 * GPUs left free on the node, then inventory order. Everything is deterministic: the same input
 * gives the same placement.
 */
public final class PlacementSolver {

  /** Search limits. */
  public record Options(int maxGpusForExactSearch, long maxSearchSteps) {

    /** Validates both limits. */
    public Options {
      if (maxGpusForExactSearch < 0) {
        throw new IllegalArgumentException("maxGpusForExactSearch must be >= 0, was " + maxGpusForExactSearch);
      }
      if (maxSearchSteps < 1) {
        throw new IllegalArgumentException("maxSearchSteps must be >= 1, was " + maxSearchSteps);
      }
    }

    /** Exact search up to 128 GPUs and two million search steps. */
    public static Options defaults() {
      return new Options(128, 2_000_000);
    }
  }

  /** Weight of one co-located replica pair against one MiB of wasted memory: spread always wins. */
  private static final long PAIR_WEIGHT = 1L << 40;

  private final Options options;
  private final boolean seedWithGreedy;

  /** A solver with {@link Options#defaults()}. */
  public PlacementSolver() {
    this(Options.defaults());
  }

  /** A solver with the given limits. */
  public PlacementSolver(Options options) {
    this(options, true);
  }

  /** Tests turn the greedy incumbent off to check the search alone finds the optimum. */
  PlacementSolver(Options options, boolean seedWithGreedy) {
    this.options = Objects.requireNonNull(options, "options");
    this.seedWithGreedy = seedWithGreedy;
  }

  /** Places {@code plan}'s models on its nodes; throws {@link PlacementException} when it cannot. */
  public Placement solve(GpuPlan plan) {
    Problem problem = new Problem(plan.models(), plan.nodes());
    problem.checkEachModelFitsAlone();
    Greedy greedy = problem.greedy();
    int totalGpus = plan.nodes().stream().mapToInt(GpuNode::gpus).sum();
    if (totalGpus > options.maxGpusForExactSearch()) {
      if (greedy.assignment == null) {
        throw problem.exhausted(greedy, "greedy placement for an inventory above " + options.maxGpusForExactSearch()
            + " GPUs; a placement may still exist");
      }
      return problem.placement(greedy.assignment, false);
    }
    Search search = new Search(problem, seedWithGreedy ? greedy.assignment : null, options.maxSearchSteps());
    search.run(0, 0, 0L);
    if (search.best == null) {
      throw problem.exhausted(greedy, search.aborted
          ? "search stopped after " + options.maxSearchSteps() + " steps; a placement may still exist"
          : null);
    }
    return problem.placement(search.best, !search.aborted);
  }

  /** The problem in arrays: models in search order as slots, nodes in inventory order. */
  private static final class Problem {
    final List<ModelSpec> models;
    final List<GpuNode> nodes;
    final int[] slots; // model index per slot, hardest model first, its replicas together
    final int[] tp;
    final long[] need;
    final long[] mem;
    final int[] nodeClass;
    final boolean[][] usable; // model m may run a replica on node n
    final long[] minWasteFromSlot; // lower bound of the waste of slots k.. end

    Problem(List<ModelSpec> models, List<GpuNode> nodes) {
      this.models = models;
      this.nodes = nodes;
      int modelCount = models.size();
      int nodeCount = nodes.size();
      tp = new int[modelCount];
      need = new long[modelCount];
      usable = new boolean[modelCount][nodeCount];
      mem = new long[nodeCount];
      nodeClass = new int[nodeCount];
      for (int n = 0; n < nodeCount; n++) {
        GpuNode node = nodes.get(n);
        mem[n] = node.memoryMiB();
        nodeClass[n] = n;
        for (int j = 0; j < n; j++) {
          GpuNode other = nodes.get(j);
          if (other.gpuType().equals(node.gpuType()) && other.memoryMiB() == mem[n] && other.gpus() == node.gpus()) {
            nodeClass[n] = nodeClass[j];
            break;
          }
        }
      }
      long[] usableGpus = new long[modelCount];
      long[] minWaste = new long[modelCount];
      for (int m = 0; m < modelCount; m++) {
        ModelSpec model = models.get(m);
        tp[m] = model.tensorParallel();
        need[m] = model.memoryPerGpuMiB();
        minWaste[m] = Long.MAX_VALUE;
        for (int n = 0; n < nodeCount; n++) {
          GpuNode node = nodes.get(n);
          usable[m][n] = model.fitsGpuOf(node) && node.gpus() >= tp[m];
          if (usable[m][n]) {
            usableGpus[m] += node.gpus();
            minWaste[m] = Math.min(minWaste[m], tp[m] * (mem[n] - need[m]));
          }
        }
      }
      Integer[] order = IntStream.range(0, modelCount).boxed().toArray(Integer[]::new);
      Arrays.sort(order, Comparator.<Integer>comparingInt(m -> -tp[m])
          .thenComparingLong(m -> usableGpus[m])
          .thenComparingLong(m -> -need[m])
          .thenComparingInt(m -> m));
      slots = Arrays.stream(order).flatMapToInt(m -> IntStream.range(0, models.get(m).replicas()).map(r -> m))
          .toArray();
      minWasteFromSlot = new long[slots.length + 1];
      for (int k = slots.length - 1; k >= 0; k--) {
        long waste = minWaste[slots[k]];
        minWasteFromSlot[k] = minWasteFromSlot[k + 1] + (waste == Long.MAX_VALUE ? 0 : waste);
      }
    }

    /** Throws for a model that cannot run even one replica on an empty inventory, in input order. */
    void checkEachModelFitsAlone() {
      for (ModelSpec model : models) {
        List<GpuNode> typed = nodes.stream().filter(node -> model.allows(node.gpuType())).toList();
        if (typed.isEmpty()) {
          throw failure(Reason.NO_GPU_TYPE_ALLOWED, model, 0, "no GPU type allowed: the inventory has "
              + new TreeSet<>(nodes.stream().map(GpuNode::gpuType).toList()) + ", the model allows only "
              + model.gpuTypes());
        }
        List<GpuNode> roomy = typed.stream().filter(model::fitsGpuOf).toList();
        if (roomy.isEmpty()) {
          GpuNode largest = largest(typed, GpuNode::memoryGiB);
          throw failure(Reason.NOT_ENOUGH_MEMORY_PER_GPU, model, 0, "not enough memory per GPU: the largest GPU of "
              + "an allowed type is " + Units.gib(largest.memoryGiB()) + " GiB on " + largest.name());
        }
        if (roomy.stream().noneMatch(node -> node.gpus() >= model.tensorParallel())) {
          GpuNode largest = largest(roomy, GpuNode::gpus);
          throw failure(Reason.NOT_ENOUGH_GPUS_ON_ONE_NODE, model, 0, "not enough GPUs on any single node for TP="
              + model.tensorParallel() + ": the largest node with GPUs of an allowed type and enough memory has "
              + largest.gpus() + " x " + Units.gib(largest.memoryGiB()) + " GiB (" + largest.name() + ")");
        }
      }
    }

    /** The documented greedy placement; on failure, the slot it stopped at and the GPUs then free. */
    Greedy greedy() {
      int[] free = nodes.stream().mapToInt(GpuNode::gpus).toArray();
      int[][] count = new int[models.size()][nodes.size()];
      int[] assignment = new int[slots.length];
      for (int k = 0; k < slots.length; k++) {
        int m = slots[k];
        int chosen = -1;
        for (int n = 0; n < nodes.size(); n++) {
          if (usable[m][n] && free[n] >= tp[m] && (chosen < 0 || greedyPrefers(m, n, chosen, free, count))) {
            chosen = n;
          }
        }
        if (chosen < 0) {
          return new Greedy(null, k, free);
        }
        assignment[k] = chosen;
        free[chosen] -= tp[m];
        count[m][chosen]++;
      }
      return new Greedy(assignment, -1, free);
    }

    private boolean greedyPrefers(int m, int n, int current, int[] free, int[][] count) {
      if (count[m][n] != count[m][current]) {
        return count[m][n] < count[m][current];
      }
      if (mem[n] != mem[current]) {
        return mem[n] < mem[current];
      }
      return free[n] < free[current]; // ties keep the earlier node
    }

    /** The error for a model that fits alone but not with everything else. */
    PlacementException exhausted(Greedy greedy, String caveat) {
      int k = greedy.failedSlot;
      int m = slots[k];
      ModelSpec model = models.get(m);
      int replica = 0;
      for (int j = 0; j < k; j++) {
        replica += slots[j] == m ? 1 : 0;
      }
      int best = -1;
      for (int n = 0; n < nodes.size(); n++) {
        if (model.fitsGpuOf(nodes.get(n)) && greedy.free[n] > 0 && (best < 0 || greedy.free[n] > greedy.free[best])) {
          best = n;
        }
      }
      String capacity = best < 0
          ? "no GPU of an allowed type with enough memory is left free"
          : "largest free TP-group on a node of allowed type: " + greedy.free[best] + " x "
              + Units.gib(nodes.get(best).memoryGiB()) + " GiB on " + nodes.get(best).name();
      int needed = 0;
      for (int slot : slots) {
        needed += tp[slot];
      }
      int usableGpus = 0;
      int allGpus = 0;
      for (int n = 0; n < nodes.size(); n++) {
        allGpus += nodes.get(n).gpus();
        usableGpus += usable[m][n] ? nodes.get(n).gpus() : 0;
      }
      return failure(Reason.TOTAL_GPUS_EXHAUSTED, model, replica, "total GPUs exhausted: " + capacity
          + " (all models need " + needed + " GPUs, the inventory has " + allGpus + ", " + usableGpus
          + " of them usable by this model)" + (caveat == null ? "" : "; " + caveat));
    }

    /** The placement for a complete slot-to-node assignment; GPU indices lowest first, in model order. */
    Placement placement(int[] assignment, boolean optimal) {
      int[] nextIndex = new int[nodes.size()];
      List<ReplicaPlacement> replicas = new ArrayList<>();
      for (int m = 0; m < models.size(); m++) {
        int replica = 0;
        for (int k = 0; k < slots.length; k++) {
          if (slots[k] != m) {
            continue;
          }
          int n = assignment[k];
          List<Integer> indices = new ArrayList<>();
          for (int i = 0; i < tp[m]; i++) {
            indices.add(nextIndex[n]++);
          }
          replicas.add(new ReplicaPlacement(models.get(m), replica++, nodes.get(n), indices));
        }
      }
      return new Placement(models, nodes, replicas, optimal);
    }

    private static PlacementException failure(Reason reason, ModelSpec model, int replica, String why) {
      String types = model.gpuTypes().isEmpty() ? "any GPU type" : "GPU types " + String.join("|", model.gpuTypes());
      return new PlacementException(reason, model.name(), replica, "cannot place model '" + model.name()
          + "' replica " + replica + ": needs " + model.tensorParallel() + " GPU" + (model.tensorParallel() == 1 ? "" : "s")
          + " x " + Units.gib(model.memoryPerGpuGiB()) + " GiB each (TP=" + model.tensorParallel() + ", " + types
          + ") on one node; " + why);
    }

    private static GpuNode largest(List<GpuNode> candidates, java.util.function.ToDoubleFunction<GpuNode> size) {
      GpuNode best = candidates.get(0);
      for (GpuNode node : candidates) {
        if (size.applyAsDouble(node) > size.applyAsDouble(best)) {
          best = node;
        }
      }
      return best;
    }
  }

  /** A greedy run: the assignment, or the slot it failed at and the GPUs free at that point. */
  private record Greedy(int[] assignment, int failedSlot, int[] free) {}

  /** The branch and bound; {@code best} is the best complete assignment, seeded with the greedy one. */
  private static final class Search {
    private final Problem p;
    private final long maxSteps;
    private final int[] free;
    private final int[][] count;
    private final int[] left;
    private final int[] assignment;
    private final int[][] tried;
    private int[] best;
    private long bestCost;
    private long steps;
    private boolean aborted;

    Search(Problem p, int[] incumbent, long maxSteps) {
      this.p = p;
      this.maxSteps = maxSteps;
      free = p.nodes.stream().mapToInt(GpuNode::gpus).toArray();
      count = new int[p.models.size()][p.nodes.size()];
      left = p.models.stream().mapToInt(ModelSpec::replicas).toArray();
      assignment = new int[p.slots.length];
      tried = new int[p.slots.length][p.nodes.size()];
      best = incumbent == null ? null : incumbent.clone();
      bestCost = incumbent == null ? Long.MAX_VALUE : cost(incumbent);
    }

    void run(int k, int firstNode, long cost) {
      if (aborted) {
        return;
      }
      if (++steps > maxSteps) {
        aborted = true;
        return;
      }
      if (k == p.slots.length) {
        if (cost < bestCost) {
          bestCost = cost;
          best = assignment.clone();
        }
        return;
      }
      if (cost + p.minWasteFromSlot[k] >= bestCost || !remainingCanFit()) {
        return;
      }
      int m = p.slots[k];
      int triedCount = 0;
      for (int n = firstNode; n < p.nodes.size() && !aborted; n++) {
        if (!p.usable[m][n] || free[n] < p.tp[m] || sameAsTried(n, tried[k], triedCount)) {
          continue;
        }
        tried[k][triedCount++] = n;
        long added = count[m][n] * PAIR_WEIGHT + p.tp[m] * (p.mem[n] - p.need[m]);
        free[n] -= p.tp[m];
        count[m][n]++;
        left[m]--;
        assignment[k] = n;
        boolean sameModelNext = k + 1 < p.slots.length && p.slots[k + 1] == m;
        run(k + 1, sameModelNext ? n : 0, cost + added);
        left[m]++;
        count[m][n]--;
        free[n] += p.tp[m];
      }
    }

    /** Whether every model still has room for its unplaced replicas, each model counted alone. */
    private boolean remainingCanFit() {
      for (int m = 0; m < left.length; m++) {
        if (left[m] == 0) {
          continue;
        }
        int room = 0;
        for (int n = 0; n < free.length && room < left[m]; n++) {
          room += p.usable[m][n] ? free[n] / p.tp[m] : 0;
        }
        if (room < left[m]) {
          return false;
        }
      }
      return true;
    }

    /** Whether node {@code n} is indistinguishable, right now, from a node already tried at this level. */
    private boolean sameAsTried(int n, int[] triedNodes, int triedCount) {
      for (int i = 0; i < triedCount; i++) {
        int j = triedNodes[i];
        if (p.nodeClass[j] == p.nodeClass[n] && free[j] == free[n] && sameCounts(j, n)) {
          return true;
        }
      }
      return false;
    }

    private boolean sameCounts(int a, int b) {
      for (int[] perNode : count) {
        if (perNode[a] != perNode[b]) {
          return false;
        }
      }
      return true;
    }

    private long cost(int[] complete) {
      int[][] placed = new int[p.models.size()][p.nodes.size()];
      long total = 0;
      for (int k = 0; k < complete.length; k++) {
        int m = p.slots[k];
        int n = complete[k];
        total += placed[m][n]++ * PAIR_WEIGHT + p.tp[m] * (p.mem[n] - p.need[m]);
      }
      return total;
    }
  }
}
