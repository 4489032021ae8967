package dev.refseg.llm;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.internal.OpenAiClient;
import dev.langchain4j.model.openai.internal.OpenAiUtils;
import dev.langchain4j.model.openai.internal.ResponseHandle;
import dev.langchain4j.model.openai.internal.chat.ChatCompletionRequest;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What, in the client stack quarkus-langchain4j-openai puts under langchain4j (Quarkus REST client on
 * Vert.x), aborts a request the server is still working on. Prints what the fake server saw; run with
 * {@code -Dgroups=probe -Dsurefire.excludedGroups=none -Dtest=RequestAbortProbe}. Found (1.10.0 / 1.14.1):
 * interrupting a blocking {@code ChatModel.chat} frees the caller but leaves the request running until
 * its timeout; cancelling the asynchronous call's {@link ResponseHandle} resets the connection at once.
 */
@QuarkusTest
@Tag("probe")
class RequestAbortProbe {
    @Test
    void interruptingTheBlockingChatModel() throws Exception {
        try (FakeOpenAi fake = new FakeOpenAi(body -> "[1]")) {
            fake.script(body -> FakeOpenAi.Answer.hold());
            ChatModel chat = OpenAiChatModel.builder().baseUrl(fake.baseUrl()).apiKey("k").modelName("m")
                    .timeout(Duration.ofSeconds(5)).maxRetries(0).build();
            CompletableFuture<String> outcome = new CompletableFuture<>();
            Thread caller = new Thread(() -> {
                try {
                    outcome.complete(chat.chat(UserMessage.from("q")).aiMessage().text());
                } catch (RuntimeException e) {
                    outcome.complete(e.toString());
                }
            });
            caller.start();
            FakeOpenAi.await(() -> fake.inFlight.get() == 1, 5000);
            long t0 = System.nanoTime();
            caller.interrupt();
            caller.join(5000);
            System.out.printf("blocking chat, interrupted: caller returned after %d ms with %s%n",
                    (System.nanoTime() - t0) / 1_000_000, outcome.getNow("nothing"));
            boolean seen = FakeOpenAi.await(() -> fake.aborted.get() == 1, 2000);
            System.out.printf("blocking chat, interrupted: server saw the connection closed within 2 s: %s"
                    + " (it does after the 5 s timeout: %s)%n", seen, FakeOpenAi.await(() -> fake.aborted.get() == 1, 6000));
        }
    }

    @Test
    void cancellingTheAsynchronousClientCall() throws Exception {
        try (FakeOpenAi fake = new FakeOpenAi(body -> "[1]")) {
            fake.script(body -> FakeOpenAi.Answer.hold());
            @SuppressWarnings("unchecked")
            OpenAiClient client = OpenAiClient.builder().baseUrl(fake.baseUrl()).apiKey("k")
                    .connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofSeconds(5)).build();
            ChatCompletionRequest request = ChatCompletionRequest.builder().model("m")
                    .messages(OpenAiUtils.toOpenAiMessage(UserMessage.from("q"))).build();
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            ResponseHandle handle = client.chatCompletion(request).onResponse(outcome::complete)
                    .onError(outcome::complete).execute();
            FakeOpenAi.await(() -> fake.inFlight.get() == 1, 5000);
            long t0 = System.nanoTime();
            handle.cancel();
            boolean seen = FakeOpenAi.await(() -> fake.aborted.get() == 1, 2000);
            System.out.printf("async client, ResponseHandle.cancel(): server saw the connection closed: %s after %d ms;"
                    + " callback: %s%n", seen, (System.nanoTime() - t0) / 1_000_000, outcome.getNow("none"));
        }
    }
}
