package dev.refseg.llm;

import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A vision LLM behind any OpenAI-compatible endpoint, through langchain4j's OpenAI chat model (the
 * quarkus-langchain4j-openai extension supplies its HTTP client). The image goes as a base64 JPEG data
 * URL with the requested detail level, in the same user message as the text. Retries are left to the
 * caller (bounded, with backoff, only on 429/5xx), so this client makes exactly one request per call.
 */
public final class OpenAiVisionLlm implements VisionLlm {
    private final String baseUrl;
    private final String apiKey;
    private final Duration timeout;
    private final Map<String, ChatModel> models = new ConcurrentHashMap<>();

    public OpenAiVisionLlm(String baseUrl, String apiKey, Duration timeout) {
        this.baseUrl = baseUrl;
        this.apiKey = apiKey;
        // The extension's REST client takes whole seconds, and 0 would mean no limit at all.
        this.timeout = Duration.ofSeconds(Math.max(1, (timeout.toMillis() + 999) / 1000));
    }

    @Override
    public Reply ask(String model, String prompt, byte[] jpeg, String detail) {
        ChatModel chat = models.computeIfAbsent(model, m -> OpenAiChatModel.builder().baseUrl(baseUrl).apiKey(apiKey)
                .modelName(m).timeout(timeout).maxRetries(0).build());
        UserMessage message = UserMessage.from(TextContent.from(prompt), ImageContent.from(
                Base64.getEncoder().encodeToString(jpeg), "image/jpeg",
                ImageContent.DetailLevel.valueOf(detail.toUpperCase(Locale.ROOT))));
        ChatResponse r = chat.chat(message);
        int in = r.tokenUsage() != null && r.tokenUsage().inputTokenCount() != null ? r.tokenUsage().inputTokenCount() : 0;
        int out = r.tokenUsage() != null && r.tokenUsage().outputTokenCount() != null ? r.tokenUsage().outputTokenCount() : 0;
        return new Reply(r.aiMessage().text(), in, out);
    }
}
