package dev.refseg.llm;

/**
 * A {@link VisionLlm} request was abandoned because its caller no longer wants the answer (the thread was
 * interrupted); the request was aborted, not failed, so it is neither retried nor counted as a failure.
 */
public final class RequestAborted extends RuntimeException {
    public RequestAborted(String message) {
        super(message);
    }
}
