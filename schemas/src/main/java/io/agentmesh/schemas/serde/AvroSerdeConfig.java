package io.agentmesh.schemas.serde;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Settings of the Avro serializer and deserializer; names as Confluent's serde uses them. */
public final class AvroSerdeConfig extends AbstractConfig {

  /** Comma-separated base URLs of the Schema Registry. */
  public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
  /** Register a record's schema on first use (else look it up and fail when missing). */
  public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
  /** Serializer: write with the subject's latest schema. Deserializer: read into the latest schema. */
  public static final String USE_LATEST_VERSION = "use.latest.version";
  /** Deserializer: return generated SpecificRecord classes instead of GenericRecord. */
  public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
  /** Timeout of each call to the registry, in milliseconds. */
  public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";

  /** Every setting: name, type, default, validator, doc. */
  public static final ConfigDef DEFINITION = new ConfigDef()
      .define(SCHEMA_REGISTRY_URL, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString() {
        @Override
        public void ensureValid(String name, Object value) {
          if (value instanceof List<?> list && (list.isEmpty() || list.stream().anyMatch(u -> u.toString().isBlank()))) {
            throw new org.apache.kafka.common.config.ConfigException(name, value, "needs at least one URL");
          }
        }
      }, Importance.HIGH, "Comma-separated base URLs of the Schema Registry, e.g. http://127.0.0.1:8081.")
      .define(AUTO_REGISTER_SCHEMAS, Type.BOOLEAN, true, Importance.MEDIUM,
          "Register a record's schema under its subject on first use; when false the schema must already be registered.")
      .define(USE_LATEST_VERSION, Type.BOOLEAN, false, Importance.LOW,
          "Serializer: write with the subject's latest registered schema. Deserializer: use it as the reader schema.")
      .define(SPECIFIC_AVRO_READER, Type.BOOLEAN, false, Importance.MEDIUM,
          "Deserializer: return the generated SpecificRecord class named by the writer schema instead of a GenericRecord.")
      .define(REQUEST_TIMEOUT_MS, Type.INT, 10_000, ConfigDef.Range.atLeast(1), Importance.LOW,
          "Timeout of each Schema Registry call, in milliseconds.");

  /** Parses and validates settings. */
  public AvroSerdeConfig(Map<?, ?> originals) {
    super(DEFINITION, originals, false);
  }

  List<String> urls() {
    return getList(SCHEMA_REGISTRY_URL);
  }

  boolean autoRegister() {
    return getBoolean(AUTO_REGISTER_SCHEMAS);
  }

  boolean useLatestVersion() {
    return getBoolean(USE_LATEST_VERSION);
  }

  boolean specificReader() {
    return getBoolean(SPECIFIC_AVRO_READER);
  }

  Duration requestTimeout() {
    return Duration.ofMillis(getInt(REQUEST_TIMEOUT_MS));
  }
}
