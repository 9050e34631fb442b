package io.agentmesh.gateway;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

/** One HTTP server on one event loop; the instances of a deployment share the port. */
final class HttpVerticle extends VerticleBase {

  private final HttpApi api;
  private final String host;
  private final int port;
  private HttpServer server;

  HttpVerticle(HttpApi api, String host, int port) {
    this.api = api;
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer(new HttpServerOptions()
        .setAcceptBacklog(4096)
        .setTcpNoDelay(true)
        .setIdleTimeout(300)
        .setDecompressionSupported(false))
        .invalidRequestHandler(HttpApi::invalidRequest)
        .requestHandler(api.router());
    return server.listen(port, host);
  }

  int actualPort() {
    return server.actualPort();
  }
}
