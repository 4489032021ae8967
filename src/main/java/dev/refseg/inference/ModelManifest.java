package dev.refseg.inference;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * {@code manifest.properties} of a model directory: one line per graph, {@code <key> = <file>}, the file
 * relative to the directory. Keys are those of {@link CanonicalGraphs}; other keys (tokenizer, labels)
 * name companion files.
 *
 * <pre>
 * sam2.image_encoder    = sam2.1_hiera_tiny/image_encoder.onnx
 * sam2.mask_decoder     = sam2.1_hiera_tiny/mask_decoder.onnx
 * sam2.memory_attention = sam2.1_hiera_tiny/memory_attention.onnx
 * sam2.memory_encoder   = sam2.1_hiera_tiny/memory_encoder.onnx
 * gdino.detector        = grounding-dino-tiny/model.onnx
 * gdino.tokenizer       = grounding-dino-tiny/vocab.txt
 * beats.tagger          = beats/beats_iter3_plus_as2m.onnx
 * </pre>
 */
public record ModelManifest(Path dir, Map<String, Path> entries) {
    public static final String FILE = "manifest.properties";

    public static ModelManifest read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException("model directory " + dir + " has no " + FILE
                    + " (one line per graph: <key> = <file>; keys " + CanonicalGraphs.BY_KEY.keySet() + ")");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Map<String, Path> entries = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            Path f = dir.resolve(p.getProperty(key).trim());
            if (!Files.isRegularFile(f)) {
                throw new ModelLoadException(FILE + " in " + dir + ": " + key + " names " + f + ", which does not exist");
            }
            entries.put(key.trim(), f);
        }
        for (String req : CanonicalGraphs.REQUIRED) {
            if (!entries.containsKey(req)) {
                throw new ModelLoadException(FILE + " in " + dir + " lacks the required graph " + req + " ("
                        + CanonicalGraphs.BY_KEY.get(req).get(0).expectedExport() + ")");
            }
        }
        return new ModelManifest(dir, entries);
    }
}
