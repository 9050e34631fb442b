package io.agentmesh.infra.redis;

import java.nio.file.Path;

/** A child JVM for the lifecycle tests: starts Redis, prints its pid and port, then exits or waits. */
public final class RedisChild {

  private RedisChild() {}

  public static void main(String[] args) throws Exception {
    EmbeddedRedis redis = EmbeddedRedis.builder().runDir(Path.of(args[0])).build().start();
    System.out.println("REDIS " + redis.pid() + " " + redis.port());
    System.out.flush();
    if (args.length > 1 && args[1].equals("wait")) {
      Thread.sleep(Long.MAX_VALUE); // until the test kills this JVM
    }
    // a normal exit: the shutdown hook must stop redis-server
  }
}
