package io.agentmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.core.metrics.MeshMetric;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GatewayMetricsTest {

  private static final List<MeshMetric> GATEWAY = Arrays.stream(MeshMetric.values())
      .filter(m -> m.metricName().startsWith("mesh.gateway.")).toList();

  @Test
  void everyGatewayMeterIsInTheCatalogueWithItsTagKeysAndKind() {
    GatewayMetrics metrics = exercised();
    for (Meter meter : metrics.registry().getMeters()) {
      MeshMetric metric = GATEWAY.stream().filter(m -> m.metricName().equals(meter.getId().getName())).findFirst()
          .orElseThrow(() -> new AssertionError(meter.getId().getName() + " is not in MeshMetric"));
      assertThat(meter.getId().getTags().stream().map(Tag::getKey).collect(Collectors.toSet()))
          .as("tag keys of %s", metric).isEqualTo(new HashSet<>(metric.tagKeys()));
      assertThat(kind(meter)).as("kind of %s", metric).isEqualTo(metric.kind());
      assertThat(meter.getId().getDescription()).isEqualTo(metric.description());
    }
    metrics.close();
  }

  @Test
  void everyGatewayMetricOfTheCatalogueIsRegistered() {
    GatewayMetrics metrics = exercised();
    Set<String> registered = metrics.registry().getMeters().stream().map(m -> m.getId().getName()).collect(Collectors.toSet());
    assertThat(GATEWAY).isNotEmpty();
    assertThat(GATEWAY).allSatisfy(m -> assertThat(registered).contains(m.metricName()));
    metrics.close();
  }

  @Test
  void fallbackCountersReadZeroFromTheStart() {
    GatewayMetrics metrics = new GatewayMetrics();
    metrics.warmUp(List.of("g"), List.of("mesh.g.results"));
    assertThat(metrics.scrape())
        .contains("mesh_gateway_rate_limit_fallbacks_total{cause=\"timeout\"} 0.0")
        .contains("mesh_gateway_rate_limit_fallbacks_total{cause=\"error\"} 0.0")
        .contains("mesh_gateway_records_unreadable_total{topic=\"mesh.g.results\"} 0.0")
        .contains("mesh_gateway_events_read_back_total{outcome=\"not_found\"} 0.0");
    metrics.close();
  }

  private static GatewayMetrics exercised() {
    GatewayMetrics metrics = new GatewayMetrics();
    metrics.warmUp(List.of("g"), List.of("mesh.g.results", "mesh.g.events"));
    metrics.gauges(() -> 1, () -> 2);
    metrics.request("/v1/graphs", "GET", 429, 1_000);
    metrics.rejected("rate_limited");
    metrics.submitted("g", "sync");
    metrics.resultLag(5);
    metrics.resultReadLag(3);
    metrics.submitTime("g", 1_000);
    metrics.unreadable("mesh.g.events");
    metrics.rateLimitFallback("timeout");
    return metrics;
  }

  private static MeshMetric.Kind kind(Meter meter) {
    return switch (meter.getId().getType()) {
      case COUNTER -> MeshMetric.Kind.COUNTER;
      case GAUGE -> MeshMetric.Kind.GAUGE;
      case TIMER -> MeshMetric.Kind.TIMER;
      default -> throw new AssertionError("unexpected meter type " + meter.getId().getType() + " of " + meter.getId().getName());
    };
  }
}
