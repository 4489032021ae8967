package dev.refseg.runtime;

/** A model directory that cannot be used: the message names the graph, the tensor and the expected export. */
public class ModelLoadException extends RuntimeException {
    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
