package dev.refseg.llm;

import dev.langchain4j.exception.NonRetriableException;

/**
 * The endpoint answered with success (HTTP 200) but the reply cannot be used: not JSON, not a chat
 * completion, no choices, a number out of range. Not worth a retry ({@link GuardedLlm#retryable}): the
 * same endpoint would most likely answer the same way, so the step falls back at once, flagged.
 */
public final class UnusableReply extends NonRetriableException {
    private final String problem;

    public UnusableReply(String problem, Throwable cause) {
        super("unusable reply (HTTP 200): " + problem, cause);
        this.problem = problem;
    }

    /** The same problem with {@code secret} replaced by {@code mark}, and no cause (which would still hold it). */
    UnusableReply without(String secret, String mark) {
        return new UnusableReply(problem.replace(secret, mark), null);
    }
}
