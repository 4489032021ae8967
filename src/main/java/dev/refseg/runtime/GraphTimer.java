package dev.refseg.runtime;

/**
 * Receives where model time goes: {@link #record} is ONNX Runtime's {@code OrtSession.run} alone, per
 * graph; {@link #step} is the host-side work around it (tensor copies in and out, preprocessing, memory
 * assembly), per step, so the two can be told apart (issue 10: a run's wall time was ~3x ORT's).
 */
@FunctionalInterface
public interface GraphTimer {
    GraphTimer NONE = (graph, nanos) -> { };

    /** Step names, as exported in {@code refseg_step_seconds{step}}. */
    String COPY_IN = "tensor_copy_in";
    String COPY_OUT = "tensor_copy_out";
    String SAM2_PREPROCESS = "sam2_preprocess";
    String BANK_ASSEMBLY = "sam2_bank_assembly";
    String DETECTOR_PREPROCESS = "gdino_preprocess";
    String TAGGER_PREPROCESS = "tagger_fbank";

    /** @param nanos wall time of one {@code OrtSession.run} of the graph with manifest key {@code graph} */
    void record(String graph, long nanos);

    /** @param nanos wall time of one host-side step (one of the constants above); ignored by default */
    default void step(String step, long nanos) {
    }
}
