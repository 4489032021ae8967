package dev.refseg.llm;

import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.NonRetriableException;
import dev.langchain4j.exception.RetriableException;
import dev.langchain4j.internal.ExceptionMapper;
import dev.langchain4j.model.openai.internal.OpenAiClient;
import dev.langchain4j.model.openai.internal.OpenAiUtils;
import dev.langchain4j.model.openai.internal.ResponseHandle;
import dev.langchain4j.model.openai.internal.chat.ChatCompletionRequest;
import dev.langchain4j.model.openai.internal.chat.ChatCompletionResponse;
import dev.langchain4j.model.output.TokenUsage;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A vision LLM behind any OpenAI-compatible endpoint, through langchain4j's OpenAI client (the
 * quarkus-langchain4j-openai extension supplies it, on the Quarkus REST client and Vert.x). The image goes
 * as a base64 JPEG data URL with the requested detail level, in the same user message as the text; the
 * message is converted by langchain4j exactly as its chat model would. Retries are left to the caller
 * (bounded, with backoff, only on 429/5xx, timeouts and connection failures), so this client makes
 * exactly one request per call; a successful reply that cannot be used is an {@link UnusableReply}.
 *
 * <p>The request is sent asynchronously and awaited, rather than through the blocking chat model,
 * because only the asynchronous call can be aborted: cancelling its handle resets the connection, while
 * an interrupted blocking call leaves the request running until its timeout ({@code RequestAbortProbe}).
 *
 * <p>The API key never leaves in an exception: an endpoint may quote it in its error body (which
 * langchain4j makes the exception's message), and failure messages are logged and sent to clients as
 * fallback reasons; such a failure is replaced by one of the same kind and status with the key cut out.
 */
public final class OpenAiVisionLlm implements VisionLlm {
    private static final String REDACTED = "[api key redacted]";

    private final OpenAiClient client;
    private final Duration timeout;
    /** The configured key, to be cut out of failures; null when none is configured. */
    private final String apiKey;

    /**
     * @param apiKey  the bearer key, or null for an endpoint without authentication
     * @param timeout limit of a whole request, from sending it to the last byte of the answer; the REST
     *                client's own connect and read timeouts (whole seconds, rounded up, at least 1 s) only
     *                bound each wait, so an endpoint trickling its answer a byte at a time is cut here
     */
    @SuppressWarnings("unchecked")
    public OpenAiVisionLlm(String baseUrl, String apiKey, Duration timeout) {
        this.timeout = timeout;
        this.apiKey = apiKey == null || apiKey.isEmpty() ? null : apiKey;
        Duration seconds = Duration.ofSeconds(Math.max(1, (timeout.toMillis() + 999) / 1000));
        // The client wants some key; an endpoint without authentication ignores this one.
        this.client = OpenAiClient.builder().baseUrl(baseUrl).apiKey(this.apiKey == null ? "none" : this.apiKey)
                .connectTimeout(seconds)
                .readTimeout(seconds).userAgent(OpenAiUtils.DEFAULT_USER_AGENT).build();
    }

    /**
     * {@inheritDoc}
     *
     * @throws RequestAborted when the calling thread is interrupted: the connection is reset at once
     * @throws UnusableReply   when the endpoint answers 200 with no usable chat completion (not JSON, no
     *                          choices, a value out of range)
     * @throws RuntimeException langchain4j's exceptions for HTTP errors, timeouts and broken connections,
     *                          as its chat model raises them ({@link GuardedLlm#retryable} sorts them)
     */
    /**
     * Whether the request failed because the body of a successful reply could not be read as a chat
     * completion (Jackson's errors are IOExceptions, but nothing went wrong on the wire), as opposed to an
     * HTTP error status or a broken connection.
     */
    private static boolean unusable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof dev.langchain4j.exception.HttpException) {
                return false;
            }
            if (t instanceof com.fasterxml.jackson.core.JsonProcessingException
                    || t instanceof io.quarkiverse.langchain4j.openai.common.OpenAiApiException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Reply ask(String model, String prompt, byte[] jpeg, String detail) {
        ChatCompletionRequest request = request(model, prompt, jpeg, detail);
        CompletableFuture<ChatCompletionResponse> done = new CompletableFuture<>();
        ResponseHandle handle = client.chatCompletion(request).onResponse(done::complete)
                .onError(done::completeExceptionally).execute();
        ChatCompletionResponse response;
        try {
            response = done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            handle.cancel();
            // Retryable, like any timeout (GuardedLlm.retryable).
            throw new IllegalStateException("the LLM request to " + model + " took longer than refseg.llm.timeout = "
                    + timeout + " in all", e);
        } catch (InterruptedException e) {
            handle.cancel();
            Thread.currentThread().interrupt();
            throw new RequestAborted("the LLM request to " + model + " was aborted");
        } catch (ExecutionException e) {
            throw withoutKey(unusable(e.getCause()) ? new UnusableReply("not a chat completion ("
                    + e.getCause().getMessage() + ")", e.getCause()) : ExceptionMapper.DEFAULT.mapException(e.getCause()));
        }
        if (response.choices() == null || response.choices().isEmpty() || response.choices().get(0).message() == null) {
            // langchain4j would raise a (retriable) InternalServerException for this.
            throw new UnusableReply("no choices", null);
        }
        String text = OpenAiUtils.aiMessageFrom(response).text();
        TokenUsage usage = OpenAiUtils.tokenUsageFrom(response.usage());
        int in = usage != null && usage.inputTokenCount() != null ? usage.inputTokenCount() : 0;
        int out = usage != null && usage.outputTokenCount() != null ? usage.outputTokenCount() : 0;
        return new Reply(text, in, out);
    }

    private static ChatCompletionRequest request(String model, String prompt, byte[] jpeg, String detail) {
        UserMessage message = UserMessage.from(TextContent.from(prompt), ImageContent.from(
                Base64.getEncoder().encodeToString(jpeg), "image/jpeg",
                ImageContent.DetailLevel.valueOf(detail.toUpperCase(Locale.ROOT))));
        return ChatCompletionRequest.builder().model(model).messages(OpenAiUtils.toOpenAiMessage(message)).build();
    }

    /**
     * Readies the JSON half of a request without sending one: the REST client's object mapper (built on
     * its first use), a chat-completion request's serializers and a reply's deserializers. Otherwise the
     * first question of a fresh process pays for them (about 0.5 s on two busy cores) before it leaves,
     * and its answer again before it is read. Nothing is sent: the endpoint is not touched at start.
     * The HTTP connection and the REST client's own first-call set-up are still paid by the first question.
     *
     * @throws IllegalStateException when the mapping fails (the caller logs it and starts anyway)
     */
    public void warmUp() {
        com.fasterxml.jackson.databind.ObjectMapper json = io.quarkiverse.langchain4j.openai.common.OpenAiRestApi
                .ObjectMapperHolder.MAPPER;
        try {
            json.writeValueAsString(request("warm-up", "warm-up", new byte[] {(byte) 0xff, (byte) 0xd8}, "low"));
            json.readValue("{\"id\":\"w\",\"object\":\"chat.completion\",\"created\":0,\"model\":\"w\","
                    + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"w\"},"
                    + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,"
                    + "\"total_tokens\":2}}", ChatCompletionResponse.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the LLM client's JSON warm-up failed: " + e.getMessage(), e);
        }
    }

    /**
     * {@code failure} itself when no message in its chain holds the key; else a failure that
     * {@link GuardedLlm#retryable} sorts the same way (an HTTP error keeps its status and mapped type, an
     * unusable reply stays one) whose message has the key cut out, and with no cause, so that a logged
     * stack trace cannot show the original either.
     */
    RuntimeException withoutKey(RuntimeException failure) {
        if (apiKey == null || !mentionsKey(failure)) {
            return failure;
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpException h) {
                return ExceptionMapper.DEFAULT.mapException(new HttpException(h.statusCode(), redact(h.getMessage())));
            }
        }
        if (failure instanceof UnusableReply u) {
            return u.without(apiKey, REDACTED);
        }
        String message = redact(failure.getMessage());
        return GuardedLlm.retryable(failure) ? new RetriableException(message) : new NonRetriableException(message);
    }

    private boolean mentionsKey(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (String.valueOf(t.getMessage()).contains(apiKey)) {
                return true;
            }
            for (Throwable s : t.getSuppressed()) {
                if (String.valueOf(s.getMessage()).contains(apiKey)) {
                    return true;
                }
            }
        }
        return false;
    }

    private String redact(String message) {
        return String.valueOf(message).replace(apiKey, REDACTED);
    }
}
