package dev.refseg.runtime;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;

/** Reads the JSON companion files of a model directory (constants.json, an export's config.json) strictly. */
public final class StrictJson {
    private StrictJson() {
    }

    /**
     * The file's JSON tree (null for an empty file). Trailing content or a repeated key is refused: it means a
     * damaged or hand-merged file, not a choice.
     *
     * @param bad makes the exception from a problem in words ("is not valid JSON (...)"), naming the file its way
     * @throws ModelLoadException from {@code bad} when the file cannot be read or is not valid JSON
     */
    public static JsonNode read(Path file, Function<String, ModelLoadException> bad) {
        try {
            return new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(file.toFile());
        } catch (IOException e) {
            throw bad.apply("is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }
}
