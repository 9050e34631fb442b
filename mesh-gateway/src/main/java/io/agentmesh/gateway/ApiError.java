package io.agentmesh.gateway;

import java.util.Map;
import java.util.Objects;

/**
 * A request the gateway refuses: the HTTP status and the JSON body {@code {error, message, details}}.
 * {@code error} is a stable code, {@code message} says what was wrong for people, and
 * {@code details} names the field or limit.
 */
final class ApiError extends RuntimeException {

  private final int status;
  private final String code;
  private final Map<String, Object> details;
  private final Map<String, String> headers;

  ApiError(int status, String code, String message, Map<String, Object> details, Map<String, String> headers) {
    super(message, null, false, false);
    this.status = status;
    this.code = Objects.requireNonNull(code, "code");
    this.details = Map.copyOf(details);
    this.headers = Map.copyOf(headers);
  }

  static ApiError of(int status, String code, String message) {
    return new ApiError(status, code, message, Map.of(), Map.of());
  }

  static ApiError of(int status, String code, String message, Map<String, Object> details) {
    return new ApiError(status, code, message, details, Map.of());
  }

  ApiError withHeader(String name, String value) {
    Map<String, String> more = new java.util.HashMap<>(headers);
    more.put(name, value);
    return new ApiError(status, code, getMessage(), details, more);
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  Map<String, Object> details() {
    return details;
  }

  Map<String, String> headers() {
    return headers;
  }
}
