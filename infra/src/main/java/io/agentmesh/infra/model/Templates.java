package io.agentmesh.infra.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.Iterator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Group references in rule answers: {@code $1}, {@code ${name}}, {@code $$}; and {@code {{...}}} placeholders in default replies. */
final class Templates {

    private static final Pattern REF = Pattern.compile("\\$(?:(\\$)|(\\d)|\\{([A-Za-z][A-Za-z0-9]*)})");
    private static final Pattern NAMED_GROUP = Pattern.compile("\\(\\?<([A-Za-z][A-Za-z0-9]*)>");

    private Templates() {
    }

    /** Rejects references to groups the pattern does not have. */
    static void check(String field, String template, Pattern match, int groups) {
        Matcher m = REF.matcher(template);
        while (m.find()) {
            if (m.group(2) != null && Integer.parseInt(m.group(2)) > groups) {
                throw new IllegalArgumentException(field + ": refers to $" + m.group(2) + " but match has "
                        + groups + " group(s)");
            }
            if (m.group(3) != null && (match == null || !hasNamedGroup(match, m.group(3)))) {
                throw new IllegalArgumentException(field + ": refers to ${" + m.group(3)
                        + "} but match has no group of that name");
            }
        }
    }

    static void checkTree(String field, JsonNode node, Pattern match, int groups) {
        if (node.isTextual()) {
            check(field, node.textValue(), match, groups);
        } else if (node.isContainerNode()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                checkTree(field + "." + e.getKey(), e.getValue(), match, groups);
            }
            if (node.isArray()) {
                for (int i = 0; i < node.size(); i++) {
                    checkTree(field + "[" + i + "]", node.get(i), match, groups);
                }
            }
        }
    }

    /** {@code template} with group references replaced from {@code m} (null: no groups). */
    static String expand(String template, Matcher m) {
        if (template.indexOf('$') < 0) {
            return template;
        }
        Matcher r = REF.matcher(template);
        StringBuilder out = new StringBuilder(template.length() + 32);
        while (r.find()) {
            String value;
            if (r.group(1) != null) {
                value = "$";
            } else if (m == null) {
                value = "";
            } else if (r.group(2) != null) {
                value = m.group(Integer.parseInt(r.group(2)));
            } else {
                value = m.group(r.group(3));
            }
            r.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : value));
        }
        r.appendTail(out);
        return out.toString();
    }

    /** A copy of {@code node} with group references in its string values replaced. */
    static JsonNode expandTree(JsonNode node, Matcher m) {
        if (node.isTextual()) {
            return TextNode.valueOf(expand(node.textValue(), m));
        }
        if (node.isObject()) {
            ObjectNode copy = ((ObjectNode) node).objectNode();
            node.properties().forEach(e -> copy.set(e.getKey(), expandTree(e.getValue(), m)));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = ((ArrayNode) node).arrayNode();
            node.forEach(n -> copy.add(expandTree(n, m)));
            return copy;
        }
        return node;
    }

    private static boolean hasNamedGroup(Pattern p, String name) {
        Matcher m = NAMED_GROUP.matcher(p.pattern());
        while (m.find()) {
            if (m.group(1).equals(name)) {
                return true;
            }
        }
        return false;
    }
}
