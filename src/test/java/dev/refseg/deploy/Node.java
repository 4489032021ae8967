package dev.refseg.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * One place in a parsed manifest: the value SnakeYAML made (map, list, scalar, or null when absent) and
 * where it is, so that a failing check names the field as {@code file: spec.template.spec.containers[gateway]}.
 */
record Node(Object value, String path) {

    /** The entry under {@code key}; a missing node when this is not a map or has no such key. */
    Node get(String key) {
        Object v = value instanceof Map<?, ?> m ? m.get(key) : null;
        return new Node(v, path + "." + key);
    }

    /** Follows several keys, e.g. {@code at("spec", "template", "spec")}. */
    Node at(String... keys) {
        Node n = this;
        for (String k : keys) {
            n = n.get(k);
        }
        return n;
    }

    /** The items of a list; none when this is absent or not a list. */
    List<Node> items() {
        if (!(value instanceof List<?> l)) {
            return List.of();
        }
        return IntStream.range(0, l.size()).mapToObj(i -> {
            Object item = l.get(i);
            Object name = item instanceof Map<?, ?> m ? m.get("name") : null;
            return new Node(item, path + "[" + (name != null ? name : i) + "]");
        }).toList();
    }

    /** The list item whose {@code name} is {@code name}, or a missing node. */
    Node named(String name) {
        return items().stream().filter(n -> name.equals(n.get("name").text())).findFirst()
                .orElse(new Node(null, path + "[" + name + "]"));
    }

    boolean missing() {
        return value == null;
    }

    /** The scalar as text (YAML numbers and booleans as written), or null when absent. */
    String text() {
        return value == null || value instanceof Map || value instanceof List ? null : value.toString();
    }

    /** The scalar as text; fails naming the field when it is absent. */
    String required() {
        String t = text();
        if (t == null) {
            fail(path + ": missing");
        }
        return t;
    }

    int integer() {
        String t = required();
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            return fail(path + ": " + t + " is not a whole number");
        }
    }

    /** The keys of a map (none when this is not one). */
    List<String> keys() {
        return value instanceof Map<?, ?> m ? m.keySet().stream().map(Object::toString).toList() : List.of();
    }

    @Override
    public String toString() {
        return path + " = " + value;
    }
}
