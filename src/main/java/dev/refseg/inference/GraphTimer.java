package dev.refseg.inference;

/** Receives the wall time of each graph run: (manifest key of the graph, nanoseconds). */
@FunctionalInterface
public interface GraphTimer {
    GraphTimer NONE = (graph, nanos) -> { };

    void record(String graph, long nanos);
}
