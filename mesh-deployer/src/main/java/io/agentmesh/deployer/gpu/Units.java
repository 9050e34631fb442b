package io.agentmesh.deployer.gpu;

import java.util.Locale;

/** Formats GiB amounts for messages and reports: whole numbers plain, others to one decimal. */
final class Units {

  private Units() {}

  static String gib(double value) {
    double rounded = Math.round(value * 10.0) / 10.0;
    return rounded == Math.rint(rounded)
        ? String.format(Locale.ROOT, "%.0f", rounded)
        : String.format(Locale.ROOT, "%.1f", rounded);
  }
}
