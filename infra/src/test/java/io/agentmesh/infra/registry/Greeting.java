package io.agentmesh.infra.registry;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;

/** A hand-written stand-in for an avro-maven-plugin class, so the serde's specific path is tested. */
public class Greeting extends SpecificRecordBase {

  public static final Schema SCHEMA$ = new Schema.Parser().parse("""
      {"type":"record","name":"Greeting","namespace":"io.agentmesh.infra.registry","fields":[
        {"name":"text","type":{"type":"string","avro.java.string":"String"}},
        {"name":"count","type":"int"}]}""");

  private String text;
  private int count;

  public Greeting() {}

  public Greeting(String text, int count) {
    this.text = text;
    this.count = count;
  }

  public String text() {
    return text;
  }

  public int count() {
    return count;
  }

  @Override
  public Schema getSchema() {
    return SCHEMA$;
  }

  @Override
  public Object get(int field) {
    return switch (field) {
      case 0 -> text;
      case 1 -> count;
      default -> throw new IndexOutOfBoundsException(field);
    };
  }

  @Override
  public void put(int field, Object value) {
    switch (field) {
      case 0 -> text = value == null ? null : value.toString();
      case 1 -> count = (Integer) value;
      default -> throw new IndexOutOfBoundsException(field);
    }
  }
}
