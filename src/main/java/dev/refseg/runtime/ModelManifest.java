package dev.refseg.runtime;

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
 * name companion files. An old key ({@link CanonicalGraphs#SYNONYMS}: {@code beats.tagger}) is read as the
 * key it now stands for ({@code audio.tagger}); naming one file under both is refused. A tagger needs its
 * class names ({@code audio.labels}).
 *
 * <pre>
 * sam2.image_encoder    = sam2.1_hiera_tiny/image_encoder.onnx
 * sam2.mask_decoder     = sam2.1_hiera_tiny/mask_decoder.onnx
 * sam2.memory_attention = sam2.1_hiera_tiny/memory_attention.onnx
 * sam2.memory_encoder   = sam2.1_hiera_tiny/memory_encoder.onnx
 * gdino.detector        = grounding-dino-tiny/model.onnx
 * gdino.tokenizer       = grounding-dino-tiny/vocab.txt
 * audio.tagger          = beats/beats_iter3_plus_as2m.onnx
 * audio.labels          = beats/class_labels_indices.csv
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
            // Editors on some systems save UTF-8 with a byte-order mark; it is not part of the first key.
            r.mark(1);
            if (r.read() != '\uFEFF') {
                r.reset();
            }
            p.load(r);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Map<String, Path> entries = new TreeMap<>();
        for (String rawKey : new java.util.TreeSet<>(p.stringPropertyNames())) {
            String key = CanonicalGraphs.canonicalKey(rawKey.trim());
            if (!CanonicalGraphs.BY_KEY.containsKey(key) && !CanonicalGraphs.COMPANIONS.containsKey(key)) {
                // A misspelt key would otherwise leave its model silently unloaded.
                throw new ModelLoadException(FILE + " in " + dir + ": unknown key '" + key + "'; graph keys are "
                        + new TreeMap<>(CanonicalGraphs.BY_KEY).keySet() + ", companion files "
                        + new TreeMap<>(CanonicalGraphs.COMPANIONS).keySet());
            }
            // Properties.load already drops unescaped leading blanks; an escaped one is part of the name.
            Path f = dir.resolve(p.getProperty(rawKey).stripTrailing());
            if (!Files.exists(f)) {
                throw new ModelLoadException(FILE + " in " + dir + ": " + key + " names " + f + ", which does not exist");
            }
            if (!Files.isRegularFile(f)) {
                throw new ModelLoadException(FILE + " in " + dir + ": " + key + " names " + f
                        + ", which is not a regular file");
            }
            if (entries.containsKey(key)) {
                throw new ModelLoadException(FILE + " in " + dir + " names " + key + " twice (" + rawKey.trim()
                        + " is its old name): keep one line");
            }
            entries.put(key, f);
        }
        for (String req : CanonicalGraphs.REQUIRED) {
            if (!entries.containsKey(req)) {
                throw new ModelLoadException(FILE + " in " + dir + " lacks the required graph " + req + " ("
                        + CanonicalGraphs.BY_KEY.get(req).stream().map(GraphSpec::expectedExport).distinct()
                                .collect(java.util.stream.Collectors.joining(", or ")) + ")");
            }
        }
        if (entries.containsKey(CanonicalGraphs.AUDIO_TAGGER) && !entries.containsKey(CanonicalGraphs.AUDIO_LABELS)) {
            throw new ModelLoadException(FILE + " in " + dir + " names an audio tagger but no "
                    + CanonicalGraphs.AUDIO_LABELS + ": add a line '" + CanonicalGraphs.AUDIO_LABELS + " = <file>' naming "
                    + CanonicalGraphs.COMPANIONS.get(CanonicalGraphs.AUDIO_LABELS) + " (the classes in the order of "
                    + "the tagger's outputs)");
        }
        return new ModelManifest(dir, entries);
    }
}
