package io.agentmesh.deployer.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A profile (and optionally a recommendation) as a terminal table, JSON, or a self-contained HTML page. */
public final class Reports {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Reports() {
  }

  /** Aligned tables: nodes, edges, runs, throughput, then the recommendation. */
  public static String text(Profile p, Recommendation r) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "graph %s: %d runs (%d succeeded, %d failed) from %s to %s%n", p.graph(), p.runs(),
        p.succeeded(), p.failed(), Instant.ofEpochMilli(p.fromMs()), Instant.ofEpochMilli(p.toMs())));
    out.append(String.format(Locale.ROOT, "%nNODE                   RUNS  SVC p50   p95   p99 ms  WAIT p50   p99 ms  MODEL p50   p99 ms  TOK in/out      RETRY  ERR  DLQ%n"));
    for (Profile.NodeProfile n : p.nodes().values()) {
      out.append(String.format(Locale.ROOT, "%-20s %6d  %7d %5d %5d     %7d %5d     %8d %5d     %7d/%-7d %5d %4d %4d%n",
          n.node(), n.executions(), n.service().p50(), n.service().p95(), n.service().p99(), n.queueWait().p50(),
          n.queueWait().p99(), n.model().p50(), n.model().p99(), n.tokensIn(), n.tokensOut(), n.retries(), n.errors(), n.deadLetters()));
    }
    out.append(String.format(Locale.ROOT, "%nEDGE                              MSGS       BYTES  TRANSIT p50   p99 ms%n"));
    for (Profile.EdgeProfile e : p.edges().values()) {
      out.append(String.format(Locale.ROOT, "%-30s %7d %11d  %11d %5d%n", e.from() + " -> " + e.to(), e.messages(), e.bytes(),
          e.transit().p50(), e.transit().p99()));
    }
    out.append(String.format(Locale.ROOT, "%nRUNS end-to-end ms: p50 %d  p95 %d  p99 %d  max %d%n", p.endToEnd().p50(),
        p.endToEnd().p95(), p.endToEnd().p99(), p.endToEnd().max()));
    for (Profile.RunProfile run : p.slowestRuns().stream().limit(5).toList()) {
      StringBuilder path = new StringBuilder();
      for (Profile.Step s : run.criticalPath()) {
        path.append(path.isEmpty() ? "" : " -> ").append(String.format(Locale.ROOT, "%s(wait %d, run %d)", s.node(),
            s.enqueuedAt() < 0 ? 0 : s.startedAt() - s.enqueuedAt(), s.finishedAt() - s.startedAt()));
      }
      out.append(String.format(Locale.ROOT, "  %-40s %6d ms  %s%n", run.runId(), run.endToEndMs(), path));
    }
    Profile.Throughput t = p.throughput();
    out.append(String.format(Locale.ROOT, "%nTHROUGHPUT arrivals %.2f/s, completions %.2f/s (peak %.2f/s in %d ms buckets)%n",
        t.meanArrivalRate(), t.meanCompletionRate(), t.peakCompletionRate(), t.bucketMs()));
    if (r != null) {
      out.append(String.format(Locale.ROOT, "%nRECOMMENDATION for %.2f runs/s (bottleneck: %s)%n", r.targetRate(),
          r.bottleneck().isEmpty() ? "none measured" : r.bottleneck()));
      out.append(String.format(Locale.ROOT, "NODE                 RATE/s  MEAN ms  IN FLIGHT  MAX/REPLICA  REPLICAS  PARTITIONS  UTIL NOW%n"));
      for (Recommendation.NodeAdvice n : r.nodes()) {
        out.append(String.format(Locale.ROOT, "%-20s %6.2f %8.1f %10.2f %12d  %3d -> %-3d %4d -> %-4d %6.0f%%%n", n.node(),
            n.arrivalRate(), n.meanServiceMs(), n.concurrency(), n.maxInFlight(), n.currentReplicas(), n.replicas(),
            n.currentPartitions(), n.partitions(), n.utilisation() * 100));
      }
      for (Recommendation.Colocation c : r.colocate()) {
        out.append(String.format(Locale.ROOT, "co-locate %s + %s: transit p50 %d ms is %.0f%% of %s's time%n", c.from(), c.to(),
            c.transitP50Ms(), c.share() * 100, c.to()));
      }
    }
    return out.toString();
  }

  /** {@code {"profile": ..., "recommendation": ...}}. */
  public static String json(Profile p, Recommendation r) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("profile", p);
    if (r != null) {
      doc.put("recommendation", r);
      doc.put("deployPatch", r.toDeployYaml());
    }
    try {
      return JSON.writeValueAsString(doc);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the profile as JSON: " + e.getMessage(), e);
    }
  }

  /**
   * One HTML file with no external resources: the data inline as JSON, and a script that draws
   * SVG charts (a service-time histogram per node, a timeline of the slowest runs, throughput over
   * time). Each chart's {@code data-drawn} attribute counts the non-empty bars it drew.
   */
  public static String html(Profile p, Recommendation r) {
    String data = json(p, r).replace("</", "<\\/");
    return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>mesh profile: %s</title>
        <style>
        body{font:14px system-ui,sans-serif;margin:24px;color:#222}
        h1{font-size:20px}h2{font-size:16px;margin-top:28px}
        table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}
        td:first-child,th:first-child{text-align:left}
        .charts{display:flex;flex-wrap:wrap;gap:16px}
        figure{margin:0}figcaption{font-size:12px;color:#555}
        svg.chart{background:#fafafa;border:1px solid #ddd}
        rect.bar{fill:#3b7dd8}rect.wait{fill:#f2b134}rect.arrivals{fill:#9ab}
        pre{background:#f4f4f4;padding:8px}
        </style></head><body>
        <h1>mesh profile: <span id="graph"></span></h1>
        <p id="summary"></p>
        <h2>Nodes</h2><table id="nodes"></table>
        <h2>Edges</h2><table id="edges"></table>
        <h2>Service time per node (ms)</h2><div class="charts" id="latency"></div>
        <h2>Slowest runs (critical path: yellow = queue wait, blue = processing)</h2><div id="timeline"></div>
        <h2>Throughput (runs completed per bucket; grey: arrivals)</h2><div id="throughput"></div>
        <h2>Recommendation</h2><pre id="patch">no target rate given</pre>
        <script id="data" type="application/json">%s</script>
        <script>
        (function () {
          const doc = JSON.parse(document.getElementById('data').textContent);
          const p = doc.profile, NS = 'http://www.w3.org/2000/svg';
          const el = (name, attrs, parent) => { const e = document.createElementNS(NS, name);
            for (const k in attrs) e.setAttribute(k, attrs[k]); if (parent) parent.appendChild(e); return e; };
          const svg = (parent, w, h, kind) => el('svg', {class: 'chart', width: w, height: h, 'data-kind': kind}, parent);
          const rect = (s, x, y, w, h, cls, title) => { const r = el('rect', {x: x, y: y, width: Math.max(1, w), height: Math.max(1, h), class: cls}, s);
            if (title) el('title', {}, r).textContent = title; return r; };
          const text = (s, x, y, t, anchor) => { const e = el('text', {x: x, y: y, 'font-size': 10, 'text-anchor': anchor || 'start'}, s); e.textContent = t; return e; };
          const row = (table, cells, head) => { const tr = document.createElement('tr');
            cells.forEach(c => { const td = document.createElement(head ? 'th' : 'td'); td.textContent = c; tr.appendChild(td); }); table.appendChild(tr); };
          document.getElementById('graph').textContent = p.graph;
          document.getElementById('summary').textContent = p.runs + ' runs (' + p.succeeded + ' succeeded, ' + p.failed + ' failed); end-to-end p50 '
            + p.endToEnd.p50 + ' ms, p99 ' + p.endToEnd.p99 + ' ms';
          const nodes = document.getElementById('nodes');
          row(nodes, ['node', 'runs', 'svc p50', 'p95', 'p99', 'wait p50', 'p99', 'model p50', 'tokens in', 'out', 'retries', 'errors'], true);
          Object.values(p.nodes).forEach(n => row(nodes, [n.node, n.executions, n.service.p50, n.service.p95, n.service.p99,
            n.queueWait.p50, n.queueWait.p99, n.model.p50, n.tokensIn, n.tokensOut, n.retries, n.errors]));
          const edges = document.getElementById('edges');
          row(edges, ['edge', 'messages', 'bytes', 'transit p50', 'p99'], true);
          Object.values(p.edges).forEach(e => row(edges, [e.from + ' \\u2192 ' + e.to, e.messages, e.bytes, e.transit.p50, e.transit.p99]));

          Object.values(p.nodes).forEach(n => {
            const fig = el('figure', {}, null); document.getElementById('latency').appendChild(fig);
            const W = 320, H = 160, s = svg(fig, W, H, 'latency'); s.setAttribute('data-node', n.node);
            const bins = n.service.bins, top = Math.max(1, ...bins.map(b => b.count)); let drawn = 0;
            bins.forEach((b, i) => { if (b.count > 0) { drawn++;
              const h = (H - 30) * b.count / top, w = (W - 20) / bins.length;
              rect(s, 10 + i * w, H - 20 - h, w - 1, h, 'bar', b.from + '-' + b.to + ' ms: ' + b.count); } });
            if (bins.length) { text(s, 10, H - 6, bins[0].from + ' ms'); text(s, W - 10, H - 6, bins[bins.length - 1].to + ' ms', 'end'); }
            s.setAttribute('data-drawn', drawn);
            const cap = document.createElement('figcaption'); cap.textContent = n.node + ': p50 ' + n.service.p50 + ' ms, p99 ' + n.service.p99 + ' ms';
            fig.appendChild(cap);
          });

          const runs = p.slowestRuns, RW = 900, RH = 22, tl = svg(document.getElementById('timeline'), RW, Math.max(40, runs.length * RH + 20), 'timeline');
          const span = Math.max(1, ...runs.map(r => r.endToEndMs)); let tlDrawn = 0;
          runs.forEach((r, i) => { const y = 4 + i * RH, x0 = 230, scale = (RW - x0 - 10) / span;
            text(tl, 4, y + 13, r.runId.substring(0, 28) + ' ' + r.endToEndMs + ' ms');
            rect(tl, x0, y + 8, r.endToEndMs * scale, 2, 'arrivals', 'run ' + r.endToEndMs + ' ms');
            r.criticalPath.forEach(st => {
              if (st.enqueuedAt >= 0 && st.startedAt > st.enqueuedAt) { rect(tl, x0 + (st.enqueuedAt - r.startedAt) * scale, y + 2,
                (st.startedAt - st.enqueuedAt) * scale, RH - 6, 'wait', st.node + ' waited ' + (st.startedAt - st.enqueuedAt) + ' ms'); }
              rect(tl, x0 + (st.startedAt - r.startedAt) * scale, y + 2, (st.finishedAt - st.startedAt) * scale, RH - 6, 'bar',
                st.node + ' ran ' + (st.finishedAt - st.startedAt) + ' ms'); tlDrawn++; }); });
          tl.setAttribute('data-drawn', tlDrawn);

          const t = p.throughput, TW = 900, TH = 180, th = svg(document.getElementById('throughput'), TW, TH, 'throughput');
          const n = Math.max(1, t.completions.length), top = Math.max(1, ...t.completions, ...t.arrivals), bw = (TW - 20) / n; let thDrawn = 0;
          t.arrivals.forEach((a, i) => { if (a > 0) rect(th, 10 + i * bw, TH - 20 - (TH - 30) * a / top, bw / 2 - 1, (TH - 30) * a / top, 'arrivals', a + ' arrived'); });
          t.completions.forEach((c, i) => { if (c > 0) { thDrawn++;
            rect(th, 10 + i * bw + bw / 2, TH - 20 - (TH - 30) * c / top, bw / 2 - 1, (TH - 30) * c / top, 'bar', c + ' completed'); } });
          text(th, 10, TH - 6, '0 s'); text(th, TW - 10, TH - 6, (n * t.bucketMs / 1000).toFixed(1) + ' s (' + t.bucketMs + ' ms buckets)', 'end');
          th.setAttribute('data-drawn', thDrawn);
          if (doc.deployPatch) document.getElementById('patch').textContent = doc.deployPatch;
          document.body.setAttribute('data-charts', document.querySelectorAll('svg.chart').length);
        })();
        </script></body></html>
        """.formatted(escape(p.graph()), data);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
