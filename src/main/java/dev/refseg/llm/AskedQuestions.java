package dev.refseg.llm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The LLM questions one gRPC call has asked and not yet seen answered. When the call ends early (the
 * client cancels, its deadline passes, it fails) {@link #cancelAll} abandons them, which aborts their
 * requests in flight and takes the queued ones off {@link GuardedLlm}'s queue. Thread-safe: the end of a
 * call may be seen on a gRPC thread while the call's own thread is asking.
 */
public final class AskedQuestions {
    private final List<CompletableFuture<String>> pending = new ArrayList<>();
    private boolean cancelled;

    /** Keeps {@code question} until it is answered; cancels it at once when the call has already ended. */
    public CompletableFuture<String> track(CompletableFuture<String> question) {
        boolean late;
        synchronized (this) {
            pending.removeIf(CompletableFuture::isDone);
            late = cancelled;
            if (!late) {
                pending.add(question);
            }
        }
        if (late) {
            question.cancel(true);
        }
        return question;
    }

    /** Questions asked and not answered yet. */
    public synchronized int unanswered() {
        pending.removeIf(CompletableFuture::isDone);
        return pending.size();
    }

    /** The call ended: abandons every unanswered question, and any asked from now on. Idempotent. */
    public void cancelAll() {
        List<CompletableFuture<String>> drop;
        synchronized (this) {
            cancelled = true;
            drop = List.copyOf(pending);
            pending.clear();
        }
        drop.forEach(f -> f.cancel(true)); // outside the lock: cancelling runs GuardedLlm's abandon hooks
    }
}
