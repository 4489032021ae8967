package dev.refseg.llm;

/** One question with one image to a vision LLM; the reply's text. */
public interface VisionLlm {

    /** The answer and what it cost. */
    record Reply(String text, int inputTokens, int outputTokens) {
    }

    /**
     * Asks and waits for the answer. Interrupting the calling thread abandons the question: an
     * implementation should then abort its request (close the connection) and throw
     * {@link RequestAborted} with the interrupt status set.
     *
     * @param detail the image detail level ("low", "high" or "auto")
     */
    Reply ask(String model, String prompt, byte[] jpeg, String detail);
}
