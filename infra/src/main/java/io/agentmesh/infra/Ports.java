package io.agentmesh.infra;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Port checks shared by the local servers. */
public final class Ports {

  private Ports() {}

  /** Returns the port if it is a legal TCP port or 0 (any free port), else throws naming the owner. */
  public static int requireValid(String owner, int port) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(owner + ": port must be 0 (any free port) or 1..65535, got " + port);
    }
    return port;
  }

  /** True when nothing listens on host:port right now. */
  public static boolean isFree(String host, int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A port that was free a moment ago. Racy by nature (another process may take it before we
   * bind), so callers that use it retry their start on a bind failure.
   */
  public static int anyFree(String host) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new InfraException("no free TCP port on " + host + ": " + e.getMessage(), e);
    }
  }

  /** The preferred port when it is free, else any free port: how `mesh infra` picks its ports. */
  public static int preferredOrFree(String host, int preferred) {
    return preferred > 0 && isFree(host, preferred) ? preferred : anyFree(host);
  }
}
