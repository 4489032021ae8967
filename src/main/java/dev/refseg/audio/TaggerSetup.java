package dev.refseg.audio;

import dev.refseg.runtime.CanonicalGraphs;
import dev.refseg.runtime.ModelLoadException;
import dev.refseg.runtime.ModelManifest;
import dev.refseg.runtime.ModelRegistry;
import dev.refseg.runtime.TensorSpec;

/**
 * Which tagger family a model directory holds and its class names, checked once at load (and by the
 * {@code models} command): the family comes from the graph's I/O names ({@link CanonicalGraphs#BEATS}:
 * {@code fbank} -> {@code probs}; {@link CanonicalGraphs#AST}: {@code input_values} -> {@code logits}),
 * the labels from {@code audio.labels} ({@link AudioLabels}), and a class count the graph declares must be
 * the labels' count. A graph that leaves it dynamic is checked on its first run ({@link AudioTagger}).
 *
 * @param family          "beats" or "ast"
 * @param output          the graph output holding the scores: "probs" (BEATs) or "logits" (AST)
 * @param declaredClasses C as the graph declares it, -1 when dynamic
 */
public record TaggerSetup(String family, String output, AudioLabels labels, int declaredClasses) {

    /**
     * Checks the registry's tagger.
     *
     * @return null when no tagger is loaded
     * @throws ModelLoadException when audio.labels is missing or unreadable ({@link AudioLabels#load}) or holds
     *         another number of classes than the graph declares, naming both numbers
     */
    public static TaggerSetup check(ModelRegistry models) {
        String key = CanonicalGraphs.AUDIO_TAGGER;
        if (!models.has(key)) {
            return null;
        }
        String family = models.interfaceOf(key).family();
        String output = family.equals(CanonicalGraphs.AST.family()) ? "logits" : "probs";
        AudioLabels labels = AudioLabels.load(models.companion(CanonicalGraphs.AUDIO_LABELS).orElseThrow(() ->
                new ModelLoadException("the audio tagger needs " + CanonicalGraphs.AUDIO_LABELS + " in "
                        + models.dir().resolve(ModelManifest.FILE))));
        TensorSpec scores = models.outputs(key).get(output);
        int declared = scores.shape().length == 2 && scores.shape()[1] > 0 ? (int) scores.shape()[1] : -1;
        if (declared > 0) {
            requireSameCount(declared, labels, "declares");
        }
        return new TaggerSetup(family, output, labels, declared);
    }

    /**
     * @param verb how the graph came to the count: "declares" (at load) or "gave" (on a run)
     * @throws ModelLoadException unless the graph's class count is the labels'
     */
    static void requireSameCount(int classes, AudioLabels labels, String verb) {
        if (classes != labels.size()) {
            throw new ModelLoadException(CanonicalGraphs.AUDIO_TAGGER + " " + verb + " " + classes + " classes, but "
                    + CanonicalGraphs.AUDIO_LABELS + " " + labels.file() + " names " + labels.size()
                    + ": use the labels file of the same export (AudioSet's has 527)");
        }
    }

    /** e.g. "ast, 527 classes from class_labels_indices.csv, Silence at 500". */
    public String describe() {
        return family + ", " + labels;
    }
}
