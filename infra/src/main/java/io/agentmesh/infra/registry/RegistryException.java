package io.agentmesh.infra.registry;

/** A request the registry refuses, carrying Confluent's error code and the HTTP status it maps to. */
final class RegistryException extends RuntimeException {

  private final int errorCode;

  RegistryException(int errorCode, String message) {
    super(message);
    this.errorCode = errorCode;
  }

  /** Confluent's error code, e.g. 40401. */
  int errorCode() {
    return errorCode;
  }

  /** The HTTP status: the first three digits of a five-digit code, else the code itself. */
  int httpStatus() {
    return errorCode >= 10_000 ? errorCode / 100 : errorCode;
  }

  static RegistryException subjectNotFound(String subject) {
    return new RegistryException(40401, "Subject '" + subject + "' not found.");
  }

  static RegistryException versionNotFound(String subject, int version) {
    return new RegistryException(40402, "Version " + version + " not found for subject '" + subject + "'.");
  }

  static RegistryException schemaNotFound(String what) {
    return new RegistryException(40403, "Schema not found: " + what + ".");
  }

  static RegistryException subjectSoftDeleted(String subject) {
    return new RegistryException(40404,
        "Subject '" + subject + "' was soft deleted. Set permanent=true to delete permanently.");
  }

  static RegistryException subjectNotSoftDeleted(String subject) {
    return new RegistryException(40405,
        "Subject '" + subject + "' was not deleted first before being permanently deleted.");
  }

  static RegistryException versionSoftDeleted(String subject, int version) {
    return new RegistryException(40406, "Subject '" + subject + "' Version " + version
        + " was soft deleted. Set permanent=true to delete permanently.");
  }

  static RegistryException versionNotSoftDeleted(String subject, int version) {
    return new RegistryException(40407, "Subject '" + subject + "' Version " + version
        + " was not deleted first before being permanently deleted.");
  }

  static RegistryException subjectConfigNotFound(String subject) {
    return new RegistryException(40408,
        "Subject '" + subject + "' does not have subject-level compatibility configured.");
  }

  static RegistryException incompatible(String message) {
    return new RegistryException(409, message);
  }

  static RegistryException invalidSchema(String message) {
    return new RegistryException(42201, "Invalid schema: " + message);
  }

  static RegistryException invalidVersion(String version) {
    return new RegistryException(42202, "The specified version '" + version
        + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\".");
  }

  static RegistryException invalidCompatibility(String level) {
    return new RegistryException(42203, "Invalid compatibility level '" + level + "'. Valid values are "
        + java.util.Arrays.toString(CompatibilityLevel.values()) + ".");
  }

  static RegistryException badRequest(String message) {
    return new RegistryException(400, message);
  }

  static RegistryException storeError(String message, Throwable cause) {
    RegistryException e = new RegistryException(50001, "Error in the backend data store: " + message);
    e.initCause(cause);
    return e;
  }

  static RegistryException storeTimeout(String message) {
    return new RegistryException(50002, "Operation timed out: " + message);
  }
}
