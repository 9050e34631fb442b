package io.agentmesh.load;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Transaction metrics of the Kafka producers whose client id contains a given text, summed, read
 * from JMX (kafka-clients registers every client there): time spent in commitTransaction and
 * sendOffsetsToTransaction, and produce retries (CONCURRENT_TRANSACTIONS answers end up there).
 */
record ProducerStats(double commitNanos, double sendOffsetsNanos, double retries, double requests) {

  private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

  /** The sums now over the producers whose client id contains {@code clientIdPart}. */
  static ProducerStats of(String clientIdPart) {
    double commit = 0;
    double offsets = 0;
    double retries = 0;
    double requests = 0;
    try {
      for (ObjectName name : JMX.queryNames(new ObjectName("kafka.producer:type=producer-metrics,client-id=*"), null)) {
        if (!name.getKeyProperty("client-id").contains(clientIdPart)) {
          continue;
        }
        commit += number(name, "txn-commit-time-ns-total");
        offsets += number(name, "txn-send-offsets-time-ns-total");
        retries += number(name, "record-retry-total");
        requests += number(name, "request-total");
      }
    } catch (javax.management.JMException e) {
      throw new IllegalStateException("reading producer metrics: " + e, e);
    }
    return new ProducerStats(commit, offsets, retries, requests);
  }

  private static double number(ObjectName name, String attribute) {
    try {
      return ((Number) JMX.getAttribute(name, attribute)).doubleValue();
    } catch (javax.management.JMException | RuntimeException e) {
      return 0; // the metric is absent in this client version
    }
  }

  /** Per-transaction averages of what happened between {@code before} and this snapshot. */
  Map<String, Object> perTransactionSince(ProducerStats before, double transactions) {
    Map<String, Object> map = new LinkedHashMap<>();
    double tx = Math.max(1, transactions);
    map.put("transactions", (long) transactions);
    map.put("commit_ms_per_transaction", Latencies.round((commitNanos - before.commitNanos) / 1e6 / tx));
    map.put("send_offsets_ms_per_transaction", Latencies.round((sendOffsetsNanos - before.sendOffsetsNanos) / 1e6 / tx));
    map.put("produce_retries_per_transaction", Latencies.round((retries - before.retries) / tx));
    map.put("producer_requests_per_transaction", Latencies.round((requests - before.requests) / tx));
    return map;
  }
}
