package dev.refseg.api;

import dev.refseg.config.RefsegConfig;
import dev.refseg.config.SessionWorkers;
import dev.refseg.errors.Errors;
import dev.refseg.errors.Fields;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.inference.MediaSession;
import dev.refseg.keyselect.Questions;
import dev.refseg.lbru.SoundingTimes;
import dev.refseg.llm.AskedQuestions;
import dev.refseg.llm.SelectionLlm;
import dev.refseg.segment.AudioParams;
import dev.refseg.segment.Lbru;
import dev.refseg.segment.SegmentMetrics;
import dev.refseg.segment.SessionSlots;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.AudioReferentGrpc;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.DescribeRequest;
import dev.refseg.v1.DescribeResponse;
import dev.refseg.v1.Detect;
import dev.refseg.v1.Referent;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * refseg.v1.AudioReferent: LBRU on its own, stateless. The audio and the frames go into a short-lived
 * media session; the tagger names the sounds, the LLM (or the label→object table) the visible objects
 * making them, each with the frame where it is easiest to see (the LLM's choice, or without it the
 * frame where the detector is most confident, when a detector is loaded), and when each sounds.
 */
@GrpcService
public class AudioReferentService extends AudioReferentGrpc.AudioReferentImplBase {
    private final RefsegConfig config;
    private final InferenceBackend inference;
    private final SelectionLlm llm;
    private final StageCalls calls;

    public AudioReferentService(@SessionWorkers ExecutorService workers, RefsegConfig config,
            InferenceBackend inference, SessionSlots slots, SegmentMetrics metrics, SelectionLlm llm, Draining draining) {
        this.config = config;
        this.inference = inference;
        this.llm = llm;
        this.calls = new StageCalls(workers, inference, slots, metrics, draining);
    }

    @Override
    public void describe(DescribeRequest request, StreamObserver<DescribeResponse> responses) {
        calls.run("Describe", responses, questions -> {
            int maxObjects = Fields.uint("max_objects", request.getMaxObjects(), 0, AudioParams.MAX_OBJECTS);
            int topK = Fields.uint("top_k", request.getTopK(), 0, AudioParams.MAX_TOP_K);
            List<Integer> indices = StageCalls.indices(request.getFramesList());
            if (request.getAudioCount() == 0) {
                throw Errors.invalid("audio", "has no chunks; send the sound to describe (PCM with its rate, or an "
                        + "encoded file)");
            }
            if (!inference.hasTagger()) {
                throw Errors.precondition("AudioReferent.Describe needs the audio tagger; the model directory's "
                        + "manifest.properties has no audio.tagger (with audio.labels)");
            }
            RefsegConfig.Audio a = config.audio();
            AudioParams p = new AudioParams(topK > 0 ? topK : a.topK(), a.minLabelScore(), a.windowSeconds(),
                    a.soundingThreshold(), indices.size(), a.boxThreshold(), a.textThreshold(), 1,
                    maxObjects > 0 ? maxObjects : 1, llm.configured() && !request.getDisableLlm(),
                    request.getOmitReasoning());
            return calls.withFrames("describe", request.getFramesList(), request.getKeepStoredOrientation(),
                    media -> {
                        for (AudioChunk c : request.getAudioList()) {
                            media.addAudio(c);
                        }
                    }, media -> describe(media, indices, p, questions));
        });
    }

    private DescribeResponse describe(MediaSession media, List<Integer> indices, AudioParams p,
            AskedQuestions questions) {
        // The tile shows the frames in time order (the prompt says so), whatever order the request gave.
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < indices.size(); i++) {
            positions.add(i);
        }
        positions.sort(java.util.Comparator.comparing(indices::get));
        Lbru.Result r = Lbru.run(media, media::tagAudio, positions, p, llm, questions, () -> false);
        SoundingTimes times = new SoundingTimes(r.tags().getWindowsList(), p.soundingThreshold());
        DescribeResponse.Builder out = DescribeResponse.newBuilder().addAllLabels(r.tags().getLabelsList())
                .addAllFallbacks(r.fallbacks()).setPath(r.path()).setAudioSeconds(r.tags().getAudioSeconds())
                .setTagger(r.tags().getTagger());
        for (int i = 0; i < r.categories().size(); i++) {
            Lbru.Category c = r.categories().get(i);
            int frame = c.frameIndex() >= 0 ? indices.get(c.frameIndex()) : mostConfident(media, c.text(), indices, p);
            Referent.Builder ref = Referent.newBuilder().setText(c.text()).addAllLabels(c.labels()).setFrameIndex(frame)
                    .setReasoning(c.reasoning()).setObjectId(i + 1).addAllSounding(times.spans(times.active(c.labelNames())));
            if (c.fallback() != null) {
                ref.setFallback(c.fallback());
            }
            out.addReferents(ref);
        }
        return out.build();
    }

    /** The given frame where the detector is most confident in {@code caption}; -1 without a detector or a detection. */
    private int mostConfident(MediaSession media, String caption, List<Integer> indices, AudioParams p) {
        if (!inference.hasDetector()) {
            return -1;
        }
        List<Candidates> found = new ArrayList<>();
        for (int i = 0; i < indices.size(); i++) {
            found.add(media.detect(Detect.newBuilder().setFrameIndex(i).setCaption(caption)
                    .setBoxThreshold(p.boxThreshold()).setTextThreshold(p.textThreshold()).setMaxCandidates(1).build()));
        }
        Candidates best = Questions.mostConfident(found);
        return best == null ? -1 : indices.get(best.getFrameIndex());
    }
}
