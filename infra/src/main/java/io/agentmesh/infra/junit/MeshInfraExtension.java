package io.agentmesh.infra.junit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands tests the shared infrastructure: one broker, one Redis, one registry and one simulator per
 * test JVM, each started on first use and stopped when the JVM's tests are done.
 *
 * <p>Declare a {@link SharedInfra} parameter (constructor, lifecycle method or test) to get it.
 * With {@code -Dmesh.broker=testcontainers} the broker is a Testcontainers Kafka container; on a
 * machine with no Docker engine the tests that ask for the broker are skipped with a message.
 */
public final class MeshInfraExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(MeshInfraExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == SharedInfra.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) throws ParameterResolutionException {
    return context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent(SharedInfra.class, key -> SharedInfra.fromSystemProperties(), SharedInfra.class);
  }
}
