package io.agentmesh.deployer.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes Kubernetes objects as YAML, one object per file, with a {@code kustomization.yaml} listing them. */
public final class ManifestWriter {

  /** The YAML mapper used to write (and, in tests, read back) the manifests. */
  public static final YAMLMapper YAML = YAMLMapper.builder(YAMLFactory.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
          .build())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .build();

  private ManifestWriter() {}

  /** The file name of an object: {@code <kind>-<name>.yaml}, lowercase. */
  public static String fileName(HasMetadata object) {
    return object.getKind().toLowerCase(Locale.ROOT) + "-" + object.getMetadata().getName() + ".yaml";
  }

  /** The objects as {@code file name -> YAML}, then {@code kustomization.yaml}; throws on two objects sharing a file. */
  public static Map<String, String> render(List<HasMetadata> objects) {
    Map<String, String> files = new LinkedHashMap<>();
    List<String> resources = new ArrayList<>();
    for (HasMetadata object : objects) {
      String file = fileName(object);
      if (files.put(file, yaml(object)) != null) {
        throw new IllegalArgumentException("two objects would be written to " + file);
      }
      resources.add(file);
    }
    Map<String, Object> kustomization = new LinkedHashMap<>();
    kustomization.put("apiVersion", "kustomize.config.k8s.io/v1beta1");
    kustomization.put("kind", "Kustomization");
    kustomization.put("resources", resources);
    files.put("kustomization.yaml", yaml(kustomization));
    return files;
  }

  /** Writes {@link #render} into {@code dir} (created if missing); returns the files written. */
  public static List<Path> write(List<HasMetadata> objects, Path dir) {
    List<Path> written = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      for (Map.Entry<String, String> file : render(objects).entrySet()) {
        written.add(Files.writeString(dir.resolve(file.getKey()), file.getValue()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write manifests to " + dir + ": " + e.getMessage(), e);
    }
    return written;
  }

  static String yaml(Object value) {
    try {
      // Through a JSON tree first: fabric8 objects carry Jackson annotations for JSON, and the tree
      // keeps the field order they declare.
      return YAML.writeValueAsString(JSON.valueToTree(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write YAML: " + e.getMessage(), e);
    }
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();
}
