package io.agentmesh.core.graph;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An MCP server whose tools agents may call, reached over stdio (a child process the runtime
 * starts) or Streamable HTTP. Only the tools listed in {@code tools} are exposed to the graph:
 * the list is the allow-list, whatever else the server offers.
 *
 * @param name name of the server in the graph
 * @param transport how it is reached
 * @param command the command line of a stdio server (program first); empty for http
 * @param url the endpoint of an http server; empty for stdio
 * @param tools the server's tools the graph exposes (names as the server lists them)
 * @param timeout timeout of one tool call
 * @param allowedHosts hosts an http server may be on; the URL's host must be one of them
 */
public record McpServer(String name, Transport transport, List<String> command, Optional<URI> url,
                        List<String> tools, Duration timeout, List<String> allowedHosts) {

  /** How an MCP server is reached. */
  public enum Transport {
    STDIO, HTTP
  }

  public McpServer {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(transport, "transport");
    command = List.copyOf(command);
    Objects.requireNonNull(url, "url");
    tools = List.copyOf(tools);
    Objects.requireNonNull(timeout, "timeout");
    allowedHosts = List.copyOf(allowedHosts);
  }
}
