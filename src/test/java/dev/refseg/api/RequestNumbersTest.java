package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.MaskProtos;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.AudioEncoding;
import dev.refseg.v1.AudioReferentGrpc;
import dev.refseg.v1.AudioReferentSpec;
import dev.refseg.v1.Box;
import dev.refseg.v1.Candidate;
import dev.refseg.v1.DescribeRequest;
import dev.refseg.v1.Frame;
import dev.refseg.v1.ImageFormat;
import dev.refseg.v1.KeySelectionGrpc;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.Prompt;
import dev.refseg.v1.PropagateRequest;
import dev.refseg.v1.PropagateStart;
import dev.refseg.v1.PropagationGrpc;
import dev.refseg.v1.SegmentOptions;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SelectKeyBoxRequest;
import dev.refseg.v1.SelectKeyFrameRequest;
import dev.refseg.v1.Start;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Every number of every public request, driven by the protobuf descriptors: each {@code uint32} field
 * is sent as 4294967295 and as 2147483648 (both read as negative Java ints unless read as unsigned),
 * each {@code float}/{@code double} as NaN and +Infinity, one field at a time in an otherwise valid
 * request; the call must be refused (INVALID_ARGUMENT or RESOURCE_EXHAUSTED) with a message naming the
 * field by its full path and, for uint32, the value sent. The last test checks that every such field
 * reachable from a request message was tried, so a numeric field added later without validation (or
 * without a place here) fails it. A field that may legitimately take any value must be listed in
 * {@link #ANY_VALUE} with the reason.
 */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RequestNumbersTest extends CallTest {
    /** "message.field" → why any value is fine there. */
    static final Map<String, String> ANY_VALUE = Map.of();
    static final List<Descriptor> REQUESTS = List.of(SegmentRequest.getDescriptor(), PropagateRequest.getDescriptor(),
            SelectKeyFrameRequest.getDescriptor(), SelectKeyBoxRequest.getDescriptor(), DescribeRequest.getDescriptor());
    static final Set<String> tried = new HashSet<>();
    static final int W = 16;
    static final int H = 12;

    static StreamClient segment;

    @BeforeAll
    static void setUp() {
        segment = new StreamClient();
    }

    @AfterAll
    static void tearDown() throws InterruptedException {
        segment.close();
    }

    // ---- valid requests to mutate ----

    static Frame frame(int index) {
        return Frame.newBuilder().setIndex(index).setFormat(ImageFormat.IMAGE_FORMAT_RGB24).setWidth(W).setHeight(H)
                .setData(ByteString.copyFrom(new byte[W * H * 3])).build();
    }

    static final Start TEXT_START = Start.newBuilder().setText("the red disc").setOptions(SegmentOptions.newBuilder()
            .setFps(10).setBoxThreshold(0.3f).setTextThreshold(0.25f).setMaxCandidates(2).setWindowFrames(20)
            .setFramesPerWindow(3).setFrameStep(5).setMaxObjects(2)).build();
    static final Start AUDIO_START = Start.newBuilder().setAudio(AudioReferentSpec.newBuilder().setMaxObjects(1)
            .setTopK(3)).build();
    /** One second of silence: long enough for the tagger. */
    static final AudioChunk SECOND = AudioChunk.newBuilder().setEncoding(AudioEncoding.AUDIO_ENCODING_PCM_S16LE)
            .setSampleRateHz(16_000).setChannels(1).setData(ByteString.copyFrom(new byte[32_000])).build();
    static final AudioChunk PCM = AudioChunk.newBuilder().setEncoding(AudioEncoding.AUDIO_ENCODING_PCM_S16LE)
            .setSampleRateHz(16_000).setChannels(1).setData(ByteString.copyFrom(new byte[320])).build();
    static final Prompt BOX_PROMPT = Prompt.newBuilder().setObjectId(1).setFrameIndex(0)
            .setBox(Box.newBuilder().setX1(2).setY1(2).setX2(8).setY2(6)).build();
    static final Prompt MASK_PROMPT;

    static {
        BinaryMask m = BinaryMask.empty(H, W);
        m.set(3, 4, true);
        MASK_PROMPT = Prompt.newBuilder().setObjectId(2).setFrameIndex(0).setMask(MaskProtos.rle(m)).build();
    }

    // ---- senders: the status a call ends with ----

    static Status segment(SegmentRequest... requests) throws InterruptedException {
        return segment.run(List.of(requests)).status();
    }

    static Status propagate(PropagateStart start, Frame frame) throws InterruptedException {
        PropagateTest.Collector c = new PropagateTest.Collector(-1);
        var in = PropagationGrpc.newStub(channel).propagate(c);
        in.onNext(PropagateRequest.newBuilder().setStart(start).build());
        in.onNext(PropagateRequest.newBuilder().setFrame(frame).build());
        in.onCompleted();
        assertTrue(c.done.await(60, TimeUnit.SECONDS), "no end of stream");
        return c.status;
    }

    static Status unary(Runnable call) {
        try {
            call.run();
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    static KeySelectionGrpc.KeySelectionBlockingStub keySelection() {
        return KeySelectionGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    // ---- the walk ----

    /**
     * Sends {@code base} once (it must end with {@code baseCode}), then every numeric field inside it,
     * one at a time, with each bad value, asserting the refusal names {@code path}.field.
     */
    static <M extends Message> void tryEveryNumber(String path, M base, Status.Code baseCode, Function<M, Status> send)
            throws Exception {
        Status ok = send.apply(base);
        assertEquals(baseCode, ok.getCode(), path + " base request: " + ok);
        List<String> failures = new ArrayList<>();
        walk(base, path, m -> m, (fieldPath, value, mutated) -> {
            @SuppressWarnings("unchecked")
            Status s = send.apply((M) mutated);
            String d = String.valueOf(s.getDescription());
            boolean refused = s.getCode() == Status.Code.INVALID_ARGUMENT || s.getCode() == Status.Code.RESOURCE_EXHAUSTED;
            if (!refused || !d.contains(fieldPath) || !d.contains(value)) {
                failures.add(fieldPath + " = " + value + " -> " + s.getCode() + " " + d);
            }
        });
        assertEquals(List.of(), failures, "numbers not refused, or refused without naming the field and value");
    }

    interface Mutation {
        void check(String fieldPath, String value, Message mutated) throws Exception;
    }

    /** Visits the numeric fields of {@code msg} (and of the messages set in it), rebuilding the root each time. */
    static void walk(Message msg, String path, UnaryOperator<Message> root, Mutation check) throws Exception {
        for (FieldDescriptor f : msg.getDescriptorForType().getFields()) {
            String p = path.isEmpty() ? f.getName() : path + "." + f.getName();
            if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                if (f.isRepeated() ? msg.getRepeatedFieldCount(f) > 0 : msg.hasField(f)) {
                    Message child = (Message) (f.isRepeated() ? msg.getRepeatedField(f, 0) : msg.getField(f));
                    walk(child, f.isRepeated() ? p + "[0]" : p, c -> root.apply(f.isRepeated()
                            ? msg.toBuilder().setRepeatedField(f, 0, c).build() : msg.toBuilder().setField(f, c).build()),
                            check);
                }
                continue;
            }
            List<Object[]> bad = badValues(f);
            if (bad.isEmpty() || (f.isRepeated() && msg.getRepeatedFieldCount(f) == 0)) {
                continue;
            }
            tried.add(f.getFullName());
            for (Object[] v : bad) {
                Message mutated = f.isRepeated() ? msg.toBuilder().setRepeatedField(f, 0, v[0]).build()
                        : msg.toBuilder().setField(f, v[0]).build();
                check.check(f.isRepeated() ? p + "[0]" : p, (String) v[1], root.apply(mutated));
            }
        }
    }

    /** {value, what the message must show}: the real value for uint32; the path alone for floats. */
    static List<Object[]> badValues(FieldDescriptor f) {
        return switch (f.getType()) {
            case UINT32 -> List.of(new Object[] {-1, "4294967295"}, new Object[] {Integer.MIN_VALUE, "2147483648"});
            case FLOAT -> List.of(new Object[] {Float.NaN, ""}, new Object[] {Float.POSITIVE_INFINITY, ""});
            case DOUBLE -> List.of(new Object[] {Double.NaN, ""}, new Object[] {Double.POSITIVE_INFINITY, ""});
            default -> List.of();
        };
    }

    // ---- the requests ----

    @Test
    @Order(1)
    void segmentRequests() throws Exception {
        SegmentRequest frame = SegmentRequest.newBuilder().setFrame(frame(0)).build();
        tryEveryNumber("start", TEXT_START, Status.Code.OK,
                s -> call(() -> segment(SegmentRequest.newBuilder().setStart(s).build(), frame)));
        SegmentRequest second = SegmentRequest.newBuilder().setAudio(SECOND).build();
        tryEveryNumber("start", AUDIO_START, Status.Code.OK,
                s -> call(() -> segment(SegmentRequest.newBuilder().setStart(s).build(), frame, second)));
        SegmentRequest start = SegmentRequest.newBuilder().setStart(TEXT_START).build();
        tryEveryNumber("frame[0]", frame(0), Status.Code.OK,
                f -> call(() -> segment(start, SegmentRequest.newBuilder().setFrame(f).build())));
        tryEveryNumber("audio[0]", PCM, Status.Code.OK,
                a -> call(() -> segment(start, frame, SegmentRequest.newBuilder().setAudio(a).build())));
        // An online call resumed from the client's masks (the key frame's picture, the last frame's, one more).
        dev.refseg.v1.ResumeMask one = dev.refseg.v1.ResumeMask.newBuilder().setObjectId(1)
                .setRle(MASK_PROMPT.getMask()).build();
        Start resumed = TEXT_START.toBuilder().setMode(dev.refseg.v1.Mode.MODE_ONLINE).setResume(
                dev.refseg.v1.Resume.newBuilder().setLastFrameIndex(5).addLastMasks(one).setKeyFrameIndex(2)
                        .addKeyMasks(one)).build();
        tryEveryNumber("start", resumed, Status.Code.OK, s -> call(() -> segment(
                SegmentRequest.newBuilder().setStart(s).build(), SegmentRequest.newBuilder().setFrame(frame(2)).build(),
                SegmentRequest.newBuilder().setFrame(frame(5)).build(),
                SegmentRequest.newBuilder().setFrame(frame(6)).build())));
        // An audio referent resumed with its sources (who sounds when carries on from them).
        Start resumedAudio = AUDIO_START.toBuilder().setMode(dev.refseg.v1.Mode.MODE_ONLINE).setResume(resumed
                .getResume().toBuilder().addSources(dev.refseg.v1.ResumeSource.newBuilder().setObjectId(1)
                        .setCategory("red").addLabels("Bell"))).build();
        tryEveryNumber("start", resumedAudio, Status.Code.OK, s -> call(() -> segment(
                SegmentRequest.newBuilder().setStart(s).build(), SegmentRequest.newBuilder().setFrame(frame(2)).build(),
                SegmentRequest.newBuilder().setFrame(frame(5)).build(),
                SegmentRequest.newBuilder().setFrame(frame(6)).build(), second)));
        // No numbers today; walked so that one added later is tried.
        tryEveryNumber("media[0]", MediaChunk.getDefaultInstance(), Status.Code.OK,
                m -> call(() -> segment(start, SegmentRequest.newBuilder().setMedia(m).build(), frame)));
    }

    @Test
    @Order(2)
    void propagateRequests() throws Exception {
        for (Prompt p : List.of(BOX_PROMPT, MASK_PROMPT)) {
            tryEveryNumber("start", PropagateStart.newBuilder().addPrompts(p).build(), Status.Code.OK,
                    s -> call(() -> propagate(s, frame(0))));
        }
        PropagateStart start = PropagateStart.newBuilder().addPrompts(BOX_PROMPT).build();
        tryEveryNumber("frame[0]", frame(0), Status.Code.OK, f -> call(() -> propagate(start, f)));
    }

    @Test
    @Order(3)
    void keySelectionRequests() throws Exception {
        SelectKeyFrameRequest keyFrame = SelectKeyFrameRequest.newBuilder().setReferent("the red disc")
                .addFrames(frame(3)).addFrames(frame(7)).build();
        tryEveryNumber("", keyFrame, Status.Code.OK, r -> unary(() -> keySelection().selectKeyFrame(r)));
        SelectKeyBoxRequest keyBox = SelectKeyBoxRequest.newBuilder().setReferent("the red disc").addFrames(frame(3))
                .addFrames(frame(7)).setPivotFrameIndex(7).setBoxThreshold(0.3f).setTextThreshold(0.25f)
                .setMaxCandidates(2).addCandidates(Candidate.newBuilder().setBox(BOX_PROMPT.getBox()).setScore(0.5f)
                        .setPhrase("red")).build();
        tryEveryNumber("", keyBox, Status.Code.OK, r -> unary(() -> keySelection().selectKeyBox(r)));
    }

    @Test
    @Order(4)
    void describeRequests() throws Exception {
        DescribeRequest describe = DescribeRequest.newBuilder().addAudio(SECOND).addFrames(frame(3)).addFrames(frame(7))
                .setMaxObjects(1).setTopK(5).build();
        tryEveryNumber("", describe, Status.Code.OK, r -> unary(() -> AudioReferentGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS).describe(r)));
    }

    @Test
    @Order(5)
    void everyNumberOfEveryRequestWasTried() {
        Set<String> numeric = new TreeSet<>();
        Set<Descriptor> seen = new HashSet<>();
        REQUESTS.forEach(d -> numericFields(d, seen, numeric));
        numeric.removeAll(tried);
        numeric.removeAll(ANY_VALUE.keySet());
        assertEquals(Set.of(), numeric, "numeric request fields never tried: give them a check and a base request here, "
                + "or list them in ANY_VALUE with the reason");
    }

    static void numericFields(Descriptor d, Set<Descriptor> seen, Set<String> out) {
        if (!seen.add(d)) {
            return;
        }
        for (FieldDescriptor f : d.getFields()) {
            if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                numericFields(f.getMessageType(), seen, out);
            } else if (!badValues(f).isEmpty()) {
                out.add(f.getFullName());
            }
        }
    }

    interface Call {
        Status run() throws Exception;
    }

    static Status call(Call c) {
        try {
            return c.run();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
