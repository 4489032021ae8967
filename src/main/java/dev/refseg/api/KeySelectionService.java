package dev.refseg.api;

import dev.refseg.config.RefsegConfig;
import dev.refseg.config.SessionWorkers;
import dev.refseg.errors.Errors;
import dev.refseg.errors.Fields;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.inference.MediaSession;
import dev.refseg.keyselect.BoxColours;
import dev.refseg.keyselect.Questions;
import dev.refseg.keyselect.Verdicts;
import dev.refseg.keyselect.Windows;
import dev.refseg.llm.AskedQuestions;
import dev.refseg.llm.GuardedLlm;
import dev.refseg.llm.SelectionLlm;
import dev.refseg.mask.Regions;
import dev.refseg.segment.SegmentMetrics;
import dev.refseg.segment.SessionSlots;
import dev.refseg.segment.StartValidator;
import dev.refseg.v1.Candidate;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.Detect;
import dev.refseg.v1.FallbackKind;
import dev.refseg.v1.Frame;
import dev.refseg.v1.IntakeUpdate;
import dev.refseg.v1.KeyBox;
import dev.refseg.v1.KeyFrame;
import dev.refseg.v1.KeySelectionGrpc;
import dev.refseg.v1.OpenSession;
import dev.refseg.v1.SelectKeyBoxRequest;
import dev.refseg.v1.SelectKeyFrameRequest;
import dev.refseg.v1.Stage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * refseg.v1.KeySelection: GPT-PS's two questions as stateless unary calls. The frames are put into a
 * short-lived media session (renumbered 0..n-1 there, mapped back in the answer) so the tiles and
 * detections come from the inference side exactly as in Segment. A failed or unreadable LLM answer is
 * returned as a flagged fallback, as in Segment; without an LLM the training-free baseline answers.
 */
@GrpcService
public class KeySelectionService extends KeySelectionGrpc.KeySelectionImplBase {
    private static final Logger LOG = Logger.getLogger(KeySelectionService.class);
    /** Longest candidate phrase accepted, in characters (it is quoted in the LLM's prompt). */
    static final int MAX_PHRASE_CHARS = 200;

    private final RefsegConfig config;
    private final InferenceBackend inference;
    private final SelectionLlm llm;
    private final StageCalls calls;

    public KeySelectionService(@SessionWorkers ExecutorService workers, RefsegConfig config, InferenceBackend inference,
            SessionSlots slots, SegmentMetrics metrics, SelectionLlm llm, Draining draining) {
        this.config = config;
        this.inference = inference;
        this.llm = llm;
        this.calls = new StageCalls(workers, inference, slots, metrics, draining);
    }

    @Override
    public void selectKeyFrame(SelectKeyFrameRequest request, StreamObserver<KeyFrame> responses) {
        calls.run("SelectKeyFrame", responses, questions -> {
            String referent = referent(request.getReferent());
            List<Integer> indices = StageCalls.indices(request.getFramesList());
            return calls.withFrames("key-selection", request.getFramesList(), request.getKeepStoredOrientation(),
                    media -> { }, media -> keyFrame(referent, indices, media, request.getOmitReasoning(), questions));
        });
    }

    @Override
    public void selectKeyBox(SelectKeyBoxRequest request, StreamObserver<KeyBox> responses) {
        calls.run("SelectKeyBox", responses, questions -> {
            String referent = referent(request.getReferent());
            List<Integer> indices = StageCalls.indices(request.getFramesList());
            int pivot = indices.indexOf(Fields.index("pivot_frame_index", request.getPivotFrameIndex()));
            if (pivot < 0) {
                throw Errors.invalid("pivot_frame_index", request.getPivotFrameIndex() + " is not the index of one of "
                        + "the frames " + indices);
            }
            if (request.getCandidatesCount() > BoxColours.NAMES.size()) {
                throw Errors.invalid("candidates", "has " + request.getCandidatesCount() + " boxes; at most "
                        + BoxColours.NAMES.size() + " (one colour each)");
            }
            for (int i = 0; i < request.getCandidatesCount(); i++) {
                candidate("candidates[" + i + "]", request.getCandidates(i));
            }
            StartValidator.unit("box_threshold", request.getBoxThreshold());
            StartValidator.unit("text_threshold", request.getTextThreshold());
            Fields.uint("max_candidates", request.getMaxCandidates(), 0, StartValidator.MAX_CANDIDATES);
            return calls.withFrames("key-selection", request.getFramesList(), request.getKeepStoredOrientation(),
                    media -> { }, media -> keyBox(referent, indices, pivot, request, media, questions));
        });
    }

    /** The referent of either RPC: a sentence the detector can read whole (see {@link StartValidator#detectorTokens}). */
    private String referent(String text) {
        String referent = StartValidator.sentence("referent", text);
        if (!inference.hasDetector()) {
            throw noDetector();
        }
        StartValidator.detectorTokens("referent", referent, inference);
        return referent;
    }

    /** A given candidate's numbers, before the frames are decoded (the box is checked against the pivot later). */
    private static void candidate(String field, Candidate c) {
        Regions.box(field + ".box", c.getBox());
        Fields.range(field + ".score", c.getScore(), 0f, 1f);
        Fields.maxChars(field + ".phrase", c.getPhrase(), MAX_PHRASE_CHARS);
    }

    private static StatusRuntimeException noDetector() {
        return Errors.precondition("key selection needs the GroundingDINO detector; the model directory's "
                + "manifest.properties has no gdino.detector");
    }

    private KeyFrame keyFrame(String referent, List<Integer> indices, MediaSession media, boolean omitReasoning,
            AskedQuestions questions) {
        Windows.Window shown = new Windows.Window(0, indices);
        if (!shown.needsChoice()) {
            return Verdicts.onlyFrame(shown);
        }
        if (!llm.configured()) {
            RefsegConfig.Selection s = config.selection();
            List<Candidates> found = new ArrayList<>();
            for (int i = 0; i < indices.size(); i++) {
                found.add(detect(media, referent, i, s.boxThreshold(), s.textThreshold(), 1));
            }
            Candidates best = Questions.mostConfident(found);
            int chosen = best == null ? indices.get(0) : indices.get(best.getFrameIndex());
            return KeyFrame.newBuilder().setFrameIndex(chosen).addAllShownFrames(indices).setFallback(
                    Verdicts.fallback(FallbackKind.FALLBACK_KIND_NO_LLM, Stage.STAGE_KEY_FRAME, best == null
                            ? "no LLM is configured and the detector finds nothing: the first frame"
                            : "no LLM is configured: the frame where the detector is most confident")).build();
        }
        CompletableFuture<String> reply = questions.track(Questions.keyFrame(llm, media, referent,
                positions(indices.size())));
        return Verdicts.keyFrame(shown, GuardedLlm.textOf(reply), GuardedLlm.failureOf(reply), omitReasoning);
    }

    private KeyBox keyBox(String referent, List<Integer> indices, int pivot, SelectKeyBoxRequest r, MediaSession media,
            AskedQuestions questions) {
        RefsegConfig.Selection s = config.selection();
        Candidates c;
        if (r.getCandidatesCount() > 0) {
            IntakeUpdate size = media.status();
            for (int i = 0; i < r.getCandidatesCount(); i++) {
                Regions.boxInFrame("candidates[" + i + "].box", r.getCandidates(i).getBox(), size.getWidth(),
                        size.getHeight());
            }
            c = Candidates.newBuilder().setFrameIndex(pivot).addAllCandidates(r.getCandidatesList()).build();
        } else {
            c = detect(media, referent, pivot, r.getBoxThreshold() > 0 ? r.getBoxThreshold() : s.boxThreshold(),
                    r.getTextThreshold() > 0 ? r.getTextThreshold() : s.textThreshold(),
                    r.getMaxCandidates() > 0 ? r.getMaxCandidates() : s.maxCandidates());
        }
        int realPivot = indices.get(pivot);
        Candidates real = c.toBuilder().setFrameIndex(realPivot).build();
        KeyBox k = keyBoxOf(referent, indices, pivot, r, media, c, real, questions);
        return k.toBuilder().clearAdjustments().addAllAdjustments(real.getAdjustmentsList())
                .addAllAdjustments(k.getAdjustmentsList()).build();
    }

    /** The verdict on the candidates; the detection's own adjustments are put in front by the caller. */
    private KeyBox keyBoxOf(String referent, List<Integer> indices, int pivot, SelectKeyBoxRequest r, MediaSession media,
            Candidates c, Candidates real, AskedQuestions questions) {
        if (c.getCandidatesCount() == 0) {
            return Verdicts.noCandidates(real.getFrameIndex());
        }
        if (!llm.configured()) {
            return Verdicts.bestBox(real, Verdicts.fallback(FallbackKind.FALLBACK_KIND_NO_LLM, Stage.STAGE_KEY_BOX,
                    "no LLM is configured: the detector's best box"));
        }
        int maxObjects = config.selection().maxObjects();
        CompletableFuture<String> reply = questions.track(Questions.keyBox(llm, media, referent,
                positions(indices.size()), pivot, c));
        return Verdicts.keyBox(real, GuardedLlm.textOf(reply), GuardedLlm.failureOf(reply), maxObjects,
                "refseg.selection.max-objects = " + maxObjects, r.getOmitReasoning());
    }

    private static Candidates detect(MediaSession media, String referent, int position, float box, float text, int max) {
        return media.detect(Detect.newBuilder().setFrameIndex(position).setCaption(referent).setBoxThreshold(box)
                .setTextThreshold(text).setMaxCandidates(max).build());
    }

    private static List<Integer> positions(int n) {
        List<Integer> p = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            p.add(i);
        }
        return p;
    }

}
