"""Python client tests against a running refseg (started by scripts/test.sh).

Environment: REFSEG_TARGET (default localhost:9000), REFSEG_SAMPLE (a folder written by
`refseg synth --sample --out DIR`: frames/*.jpg, clip.mp4, audio.wav). SecuredServerTest runs only when
REFSEG_SECURED_TARGET names a refseg with API keys and TLS, REFSEG_SECURED_KEY one of its keys and
REFSEG_CA_CERT the PEM its certificate is trusted by. FreshServerResumeTest runs only when REFSEG_LAUNCHER
names scripts/refseg (it starts and kills servers of its own on REFSEG_LIVE_PORT, default 19400) and
REFSEG_LIVE_CLIP a folder written by `refseg synth --objects 1 --frames 1500` (frames/, truth/clip/).
"""
import glob
import os
import socket
import struct
import subprocess
import sys
import tempfile
import unittest
from concurrent import futures

import grpc
import zlib

import refseg_client as rc

TARGET = os.environ.get("REFSEG_TARGET", "localhost:9000")
SAMPLE = os.environ.get("REFSEG_SAMPLE", "target/sample")


class IntakeTest(unittest.TestCase):
    def check_intake(self, events, audio_seconds=None):
        kinds = [e.WhichOneof("event") for e in events]
        self.assertEqual("summary", kinds[-1])
        progress = [e.progress for e in events if e.WhichOneof("event") == "progress"]
        last = progress[-1]
        self.assertTrue(last.input_complete)
        self.assertEqual(48, last.frames_decoded)
        self.assertEqual((320, 240), (last.width, last.height))
        summary = events[-1].summary
        self.assertEqual(48, summary.frames_in)
        self.assertGreater(summary.timings[0].millis, 0)
        if audio_seconds is not None:
            self.assertAlmostEqual(audio_seconds, summary.audio_seconds, places=2)

    def test_mp4_with_audio(self):
        events = list(rc.segment(TARGET, rc.requests("the red disc", mp4=os.path.join(SAMPLE, "clip.mp4"),
                                                     wav=os.path.join(SAMPLE, "audio.wav"), chunk=16 * 1024)))
        self.check_intake(events, audio_seconds=4.8)
        self.assertAlmostEqual(10.0, events[-1].summary.fps, places=2)

    def test_jpeg_frames(self):
        events = list(rc.segment(TARGET, rc.requests("the blue square", frames_dir=os.path.join(SAMPLE, "frames"))))
        self.check_intake(events)

    def test_missing_start_is_invalid_argument(self):
        media_pb2, segmenter_pb2, _ = rc.load_stubs()
        with open(os.path.join(SAMPLE, "frames", "00000.jpg"), "rb") as f:
            frame = segmenter_pb2.SegmentRequest(frame=media_pb2.Frame(index=0, data=f.read()))
        with self.assertRaises(grpc.RpcError) as err:
            list(rc.segment(TARGET, iter([frame])))
        self.assertEqual(grpc.StatusCode.INVALID_ARGUMENT, err.exception.code())
        self.assertIn("first message must be start", err.exception.details())
        # The server keeps serving.
        self.test_jpeg_frames()

    def test_rle_decoding_matches_coco(self):
        self.assertEqual([5, 10, 2, 3], rc.rle_counts("5:2I"))
        self.assertEqual([16], rc.rle_counts("`0"))
        self.assertEqual([[0, 1], [1, 1]], rc.rle_decode("13", 2, 2))


class PropagateTest(unittest.TestCase):
    def test_tracks_the_blue_square_from_a_middle_pivot(self):
        truth_dir = os.path.join(SAMPLE, "truth", "clip")
        blue = 2  # object ids in the ground truth are 1-based: red disc, blue square, green triangle
        pivot = [[1 if v == blue else 0 for v in row] for row in rc.read_png_gray(os.path.join(truth_dir, "00024.png"))]
        ys = [y for y, row in enumerate(pivot) if any(row)]
        xs = [x for row in pivot for x, v in enumerate(row) if v]
        box = (min(xs), min(ys), max(xs) + 1, max(ys) + 1)
        masks = list(rc.propagate(TARGET, os.path.join(SAMPLE, "frames"), [(1, 24, box)]))
        self.assertEqual(list(range(24, 48)) + list(range(23, -1, -1)), [m.frame_index for m in masks])
        ious = []
        for m in masks:
            obj = m.objects[0]
            h, w = obj.rle.size
            pred = rc.rle_decode(obj.rle.counts, h, w)
            gt = rc.read_png_gray(os.path.join(truth_dir, "%05d.png" % m.frame_index))
            inter = union = 0
            for prow, grow in zip(pred, gt):
                for p, g in zip(prow, grow):
                    g = g == blue
                    inter += p and g
                    union += p or g
            ious.append(1.0 if union == 0 else inter / union)
        mean_j = sum(ious) / len(ious)
        self.assertGreaterEqual(mean_j, 0.9, "mean J %.3f" % mean_j)


def mean_iou(masks_dir, truth_dir, truth_id, frames):
    ious = []
    for f in range(frames):
        pred = rc.read_png_gray(os.path.join(masks_dir, "%05d.png" % f))
        gt = rc.read_png_gray(os.path.join(truth_dir, "%05d.png" % f))
        inter = union = 0
        for prow, grow in zip(pred, gt):
            for p, g in zip(prow, grow):
                g = g == truth_id
                inter += bool(p) and g
                union += bool(p) or g
        ious.append(1.0 if union == 0 else inter / union)
    return sum(ious) / len(ious)


class TextReferentTest(unittest.TestCase):
    def test_streams_an_mp4_and_a_sentence_and_writes_the_masks(self):
        # Exactly the README's command: the MP4 streamed in chunks, masks written as PNG per object.
        with tempfile.TemporaryDirectory() as out:
            run = subprocess.run([sys.executable, "refseg_client.py", "--target", TARGET, "--text", "the blue square",
                                  "--mp4", os.path.join(SAMPLE, "clip.mp4"), "--masks", out],
                                 capture_output=True, text=True, timeout=600)
            self.assertEqual(0, run.returncode, run.stderr)
            kinds = [line.split(" ", 1)[0] for line in run.stdout.splitlines()]
            for kind in ("key_frame", "candidates", "key_box", "summary"):
                self.assertIn(kind, kinds)
            self.assertEqual(48, kinds.count("mask"))
            summary = [line for line in run.stdout.splitlines() if line.startswith("summary")][0]
            # No LLM is configured for this server: the baseline ran, and said so.
            self.assertIn("SELECTION_PATH_BASELINE", summary)
            self.assertIn("FALLBACK_KIND_NO_LLM", summary)
            written = sorted(os.listdir(os.path.join(out, "1")))
            self.assertEqual(["%05d.png" % i for i in range(48)], written)
            j = mean_iou(os.path.join(out, "1"), os.path.join(SAMPLE, "truth", "clip"), 2, 48)
            self.assertGreaterEqual(j, 0.85, "mean J %.3f" % j)


class AudioReferentTest(unittest.TestCase):
    """The sample's red disc makes the only sound (440 Hz, the fixture tagger's "Bell"); no LLM is
    configured, so the label->object table names it."""

    def test_describe_names_the_sounding_object(self):
        positions, frames = rc.spread(sorted(glob.glob(os.path.join(SAMPLE, "frames", "*.jpg"))), 5)
        self.assertEqual([0, 12, 24, 35, 47], positions)
        answer = rc.describe(TARGET, os.path.join(SAMPLE, "audio.wav"), frames, positions)
        self.assertEqual(["red"], [r.text for r in answer.referents])
        ref = answer.referents[0]
        self.assertEqual("Bell", ref.labels[0].name)
        from refseg.v1 import events_pb2
        self.assertEqual(events_pb2.FALLBACK_KIND_NO_LLM, ref.fallback.kind)
        self.assertIn(ref.frame_index, positions)
        self.assertAlmostEqual(4.8, answer.audio_seconds, places=2)
        self.assertEqual("beats", answer.tagger)
        self.assertEqual("Bell", answer.labels[0].name)

    def test_describe_without_audio_is_invalid_argument(self):
        stages_pb2, stages_grpc = rc.load_stage_stubs()
        media_pb2 = rc.load_stubs()[0]
        with open(os.path.join(SAMPLE, "frames", "00000.jpg"), "rb") as f:
            frame = media_pb2.Frame(index=0, data=f.read())
        with grpc.insecure_channel(TARGET) as channel:
            with self.assertRaises(grpc.RpcError) as err:
                stages_grpc.AudioReferentStub(channel).Describe(stages_pb2.DescribeRequest(frames=[frame]), timeout=60)
        self.assertEqual(grpc.StatusCode.INVALID_ARGUMENT, err.exception.code())
        self.assertTrue(err.exception.details().startswith("audio:"), err.exception.details())

    def test_segments_what_makes_the_sound(self):
        with tempfile.TemporaryDirectory() as out:
            run = subprocess.run([sys.executable, "refseg_client.py", "--target", TARGET, "--audio",
                                  "--mp4", os.path.join(SAMPLE, "clip.mp4"), "--wav", os.path.join(SAMPLE, "audio.wav"),
                                  "--masks", out], capture_output=True, text=True, timeout=600)
            self.assertEqual(0, run.returncode, run.stderr)
            kinds = [line.split(" ", 1)[0] for line in run.stdout.splitlines()]
            self.assertLess(kinds.index("referent"), kinds.index("key_frame"))
            self.assertEqual(48, kinds.count("mask"))
            j = mean_iou(os.path.join(out, "sounding"), os.path.join(SAMPLE, "truth", "clip"), 1, 48)
            self.assertGreaterEqual(j, 0.85, "mean IoU %.3f" % j)


def run_cli(*args, api_key=None):
    """Runs refseg_client.py with args, REFSEG_API_KEY set to api_key (or unset); the CompletedProcess."""
    env = {k: v for k, v in os.environ.items() if k != rc.API_KEY_ENV}
    if api_key:
        env[rc.API_KEY_ENV] = api_key
    return subprocess.run([sys.executable, "refseg_client.py"] + list(args), env=env, capture_output=True, text=True,
                          timeout=600)


class PlainTextKeyTest(unittest.TestCase):
    """Without TLS the key still goes with every call. The server here is a stand-in Segmenter (no refseg
    needed) that, as refseg with API keys does, refuses a call without the key and else answers a summary."""
    KEY = "plain-key-5e2a90"

    @classmethod
    def setUpClass(cls):
        _, segmenter_pb2, segmenter_grpc = rc.load_stubs()
        from refseg.v1 import events_pb2
        cls.sent = sent = []

        class Segmenter(segmenter_grpc.SegmenterServicer):
            def Segment(self, request_iterator, context):
                authorization = dict(context.invocation_metadata()).get("authorization")
                sent.append(authorization)
                if authorization != "Bearer " + cls.KEY:
                    context.abort(grpc.StatusCode.UNAUTHENTICATED, "this call needs an API key")
                frames = sum(1 for r in request_iterator if r.HasField("frame"))
                yield segmenter_pb2.SegmentResponse(summary=events_pb2.Summary(frames_in=frames))

        cls.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        segmenter_grpc.add_SegmenterServicer_to_server(Segmenter(), cls.server)
        cls.target = "localhost:%d" % cls.server.add_insecure_port("localhost:0")
        cls.server.start()
        cls.frames = tempfile.TemporaryDirectory()
        with open(os.path.join(cls.frames.name, "00000.jpg"), "wb") as f:
            f.write(b"not decoded by the stand-in")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop(None)
        cls.frames.cleanup()

    def test_the_library_sends_the_key_as_bearer_metadata(self):
        events = list(rc.segment(self.target, rc.requests("x", frames_dir=self.frames.name), api_key=self.KEY))
        self.assertEqual("Bearer " + self.KEY, self.sent[-1])
        self.assertEqual(1, events[-1].summary.frames_in)
        with self.assertRaises(grpc.RpcError) as err:
            list(rc.segment(self.target, rc.requests("x", frames_dir=self.frames.name)))
        self.assertIsNone(self.sent[-1])
        self.assertEqual(grpc.StatusCode.UNAUTHENTICATED, err.exception.code())

    def test_the_cli_takes_the_key_from_the_environment_or_says_it_sent_none(self):
        served = run_cli("--target", self.target, "--text", "x", "--frames", self.frames.name, api_key=self.KEY)
        self.assertEqual(0, served.returncode, served.stderr)
        self.assertEqual("summary frames_in: 1", served.stdout.strip())
        refused = run_cli("--target", self.target, "--text", "x", "--frames", self.frames.name)
        self.assertEqual(1, refused.returncode, refused.stderr)
        self.assertEqual("status UNAUTHENTICATED: this call needs an API key (no API key was sent: give --api-key KEY "
                         "or set REFSEG_API_KEY)", refused.stderr.strip())
        bad = run_cli("--target", self.target, "--text", "x", "--frames", self.frames.name, "--api-key", "a key")
        self.assertEqual(2, bad.returncode, bad.stderr)
        self.assertIn("must be printable ASCII without spaces", bad.stderr)


class OnlineResumeTest(unittest.TestCase):
    """The online client resumes a cut stream by itself. The server is a stand-in Segmenter (no refseg
    needed) that answers each frame with a mask tagged by its index, cuts each call after CUT masks as
    Knative's request timeout does (UNAVAILABLE), and records every call's Start and frame indices, so the
    tests check what a resumed call sends: the last mask received, the key frame's, the seed pictures and
    the remaining frames in the old numbering."""
    FRAMES = 25
    CUT = 8

    @classmethod
    def setUpClass(cls):
        _, segmenter_pb2, segmenter_grpc = rc.load_stubs()
        from refseg.v1 import masks_pb2
        cls.calls = calls = []
        cls.mode = {}

        def mask(i, direction):
            rle = masks_pb2.RleMask(size=[2, 2], counts="frame-%d" % i)
            return segmenter_pb2.SegmentResponse(mask=masks_pb2.MaskFrame(frame_index=i, direction=direction,
                objects=[masks_pb2.ObjectMask(object_id=1, rle=rle, present=i != 11)]))

        class Segmenter(segmenter_grpc.SegmenterServicer):
            def Segment(self, request_iterator, context):
                start = next(request_iterator).start
                call = {"start": start, "frames": []}
                calls.append(call)
                seeds = (2 if start.resume.key_masks else 1) if start.HasField("resume") else 0
                sent = 0
                cut_after = self_mode["resumed_cut_after" if seeds else "cut_after"]
                for r in request_iterator:
                    call["frames"].append(r.frame.index)
                    if len(call["frames"]) <= seeds:
                        continue  # seed pictures get no MaskFrame
                    if sent == cut_after:
                        context.abort(self_mode["cut_with"], "request timeout")
                    first = not start.HasField("resume") and sent == 0
                    yield mask(r.frame.index, masks_pb2.PASS_DIRECTION_PROMPT if first
                               else masks_pb2.PASS_DIRECTION_LIVE)
                    sent += 1

        self_mode = cls.mode
        cls.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        segmenter_grpc.add_SegmenterServicer_to_server(Segmenter(), cls.server)
        cls.target = "localhost:%d" % cls.server.add_insecure_port("localhost:0")
        cls.server.start()
        cls.pictures = [b"picture %d" % i for i in range(cls.FRAMES)]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop(None)

    def setUp(self):
        del self.calls[:]
        self.mode.update(cut_with=grpc.StatusCode.UNAVAILABLE, cut_after=self.CUT, resumed_cut_after=self.CUT)
        self.waits = []
        self.resumes = []

    def run_online(self, **kw):
        return list(rc.segment_online(self.target, "the red disc", self.pictures, sleep=self.waits.append,
                                      on_resume=lambda n, r, e: self.resumes.append((n, r.last_frame_index)), **kw))

    def test_a_cut_stream_is_resumed_from_the_last_mask_until_every_frame_is_answered(self):
        events = self.run_online()
        indices = [e.mask.frame_index for e in events if e.WhichOneof("event") == "mask"]
        self.assertEqual(list(range(self.FRAMES)), indices, "every frame once, in the old numbering")
        self.assertEqual(4, len(self.calls))  # 8 + 8 + 8 + 1 masks
        first, second, third = self.calls[0], self.calls[1], self.calls[2]
        self.assertFalse(first["start"].HasField("resume"))
        self.assertEqual(rc.load_stubs()[1].MODE_ONLINE, second["start"].mode)
        resume = second["start"].resume
        self.assertEqual(7, resume.last_frame_index)
        self.assertEqual([(1, "frame-7")], [(m.object_id, m.rle.counts) for m in resume.last_masks])
        self.assertEqual(0, resume.key_frame_index)
        self.assertEqual([(1, "frame-0")], [(m.object_id, m.rle.counts) for m in resume.key_masks])
        self.assertEqual([0, 7, 8, 9], second["frames"][:4], "key picture, last picture, then the frames after it")
        # Frame 11's object is absent: the third call resumes from frame 15, the last one showing it.
        self.assertEqual(15, third["start"].resume.last_frame_index)
        self.assertEqual([(1, 7), (1, 15), (1, 23)], self.resumes)
        self.assertEqual([1.0, 1.0, 1.0], self.waits, "the backoff starts again after each call that made progress")

    def test_cuts_without_progress_give_up_after_max_resumes_with_backoff(self):
        self.mode.update(cut_after=0)
        with self.assertRaises(grpc.RpcError) as err:
            self.run_online(max_resumes=3)
        self.assertEqual(grpc.StatusCode.UNAVAILABLE, err.exception.code())
        self.assertEqual(1, len(self.calls), "nothing to resume from: no mask was received")
        self.mode.update(cut_after=self.CUT, resumed_cut_after=0)  # resumed calls are cut before a mask
        del self.calls[:]
        got = []
        with self.assertRaises(grpc.RpcError):
            for e in rc.segment_online(self.target, "the red disc", self.pictures, max_resumes=3,
                                       sleep=self.waits.append):
                got.append(e)
        self.assertEqual(self.CUT, len(got))
        self.assertEqual(1 + 3, len(self.calls))
        self.assertEqual([1.0, 2.0, 4.0], self.waits)

    def test_errors_other_than_a_cut_are_not_retried(self):
        self.mode.update(cut_with=grpc.StatusCode.INVALID_ARGUMENT)
        with self.assertRaises(grpc.RpcError) as err:
            self.run_online()
        self.assertEqual(grpc.StatusCode.INVALID_ARGUMENT, err.exception.code())
        self.assertEqual(1, len(self.calls))


def read_grey_png(path):
    """Rows of an 8-bit greyscale PNG (as `refseg synth` writes its truth), with only the standard library."""
    with open(path, "rb") as f:
        data = f.read()
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        n, tag = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if tag == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 0), "not 8-bit greyscale: %s" % path
        elif tag == b"IDAT":
            idat += body
        pos += 12 + n
    raw, rows, prev = zlib.decompress(idat), [], [0] * width
    for y in range(height):
        kind, line = raw[y * (width + 1)], list(raw[y * (width + 1) + 1:(y + 1) * (width + 1)])
        for x in range(width):
            a, b, c = line[x - 1] if x else 0, prev[x], prev[x - 1] if x else 0
            p = a + b - c
            pred = (0, a, b, (a + b) // 2,
                    a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c) else b if abs(p - b) <= abs(p - c) else c)
            line[x] = (line[x] + pred[kind]) & 0xFF
        rows.append(line)
        prev = line
    return rows


def region_j(predicted, truth):
    """IoU of two row lists of 0/1 (1 when both are empty, as refseg's RegionJ)."""
    inter = sum(p and t for pr, tr in zip(predicted, truth) for p, t in zip(pr, tr))
    union = sum(p or t for pr, tr in zip(predicted, truth) for p, t in zip(pr, tr))
    return 1.0 if union == 0 else inter / union


LAUNCHER = os.environ.get("REFSEG_LAUNCHER")
LIVE_CLIP = os.environ.get("REFSEG_LIVE_CLIP")
LIVE_PORT = int(os.environ.get("REFSEG_LIVE_PORT", "19400"))


@unittest.skipUnless(LAUNCHER and LIVE_CLIP, "needs REFSEG_LAUNCHER and REFSEG_LIVE_CLIP (scripts/test.sh sets them)")
class FreshServerResumeTest(unittest.TestCase):
    """Issue 13's resume on a fresh server instance, through segment_online against real servers: a live
    stream of 1,500 frames whose server is killed (SIGKILL) once 1,000 masks have arrived; a new server
    process starts on the same port, the client resumes there from its last mask by itself, the new server
    selects nothing (Summary path RESUMED: no LLM, no detector) and tracks on (J >= 0.85 after the cut)."""
    CUT_AFTER = 1000

    def setUp(self):
        self.servers = []

    def tearDown(self):
        for p in self.servers:
            p.kill()
            p.wait()

    def start_server(self, n):
        env = dict(os.environ, JAVA_OPTS="-Dquarkus.grpc.server.port=%d -Dquarkus.http.port=%d"
                   % (LIVE_PORT, LIVE_PORT - 1000))
        log = open(os.path.join(LIVE_CLIP, "server-%d.log" % n), "w")
        p = subprocess.Popen([LAUNCHER], env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.servers.append(p)
        return p

    @staticmethod
    def await_port(process, seconds=120):
        import time
        for _ in range(seconds * 4):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", LIVE_PORT)) == 0:
                    return
            if process.poll() is not None:
                raise AssertionError("the server ended with %s before listening" % process.returncode)
            time.sleep(0.25)
        raise AssertionError("nothing listens on port %d" % LIVE_PORT)

    def test_a_stream_cut_by_a_killed_server_resumes_on_a_fresh_one(self):
        first = self.start_server(1)
        self.await_port(first)
        with open(os.path.join(LIVE_CLIP, "referents.txt")) as f:
            sentence = f.readline().split("\t", 1)[1].strip()
        frames = rc.frame_files(os.path.join(LIVE_CLIP, "frames"))
        masks, summaries, resumes = {}, [], []
        for e in rc.segment_online("localhost:%d" % LIVE_PORT, sentence, frames, max_resumes=8,
                                   on_resume=lambda n, r, err: resumes.append((r.last_frame_index, err.code().name))):
            kind = e.WhichOneof("event")
            if kind == "mask":
                masks[e.mask.frame_index] = e.mask
                if len(masks) == self.CUT_AFTER:
                    first.kill()  # the stream is cut; the client backs off while the new server starts
                    first.wait()
                    self.start_server(2)
            elif kind == "summary":
                summaries.append(e.summary)
        self.assertEqual(list(range(len(frames))), sorted(masks), "every frame answered once")
        self.assertTrue(resumes, "the stream was not resumed")
        resumed_from = resumes[-1][0]
        self.assertEqual("UNAVAILABLE", resumes[0][1])
        self.assertGreaterEqual(resumed_from, self.CUT_AFTER // 2)
        self.assertEqual(1, len(summaries), "only the resumed call ends with a Summary")
        path = summaries[0].DESCRIPTOR.fields_by_name["path"].enum_type.values_by_number[summaries[0].path].name
        self.assertEqual("SELECTION_PATH_RESUMED", path, "the fresh server selected again")
        def j(i):
            objects = [o for o in masks[i].objects if o.object_id == 1]
            self.assertEqual(1, len(objects), "frame %d" % i)
            h, w = objects[0].rle.size
            truth = [[1 if v == 1 else 0 for v in row]
                     for row in read_grey_png(os.path.join(LIVE_CLIP, "truth", "clip", "%05d.png" % i))]
            return region_j(rc.rle_decode(objects[0].rle.counts, h, w), truth)
        after = [j(i) for i in range(resumed_from + 1, len(frames))]
        before = [j(i) for i in range(0, resumed_from + 1, 5)]
        mean_j = sum(after) / len(after)
        print("\nfresh-server resume: cut after %d masks, resumed from frame %d after %d attempt(s), J over the "
              "%d frames after it %.3f (before the cut, every 5th frame: %.3f)" % (self.CUT_AFTER, resumed_from,
              len(resumes), len(after), mean_j, sum(before) / len(before)))
        self.assertGreaterEqual(mean_j, 0.85)


@unittest.skipUnless(os.environ.get("REFSEG_SECURED_TARGET"), "REFSEG_SECURED_TARGET (refseg with API keys and TLS) unset")
class SecuredServerTest(unittest.TestCase):
    """refseg with API keys and TLS (a self-signed certificate): the key and the CA are both needed."""

    def setUp(self):
        self.target = os.environ["REFSEG_SECURED_TARGET"]
        self.key = os.environ["REFSEG_SECURED_KEY"]
        self.ca = os.environ["REFSEG_CA_CERT"]
        self.wav = os.path.join(SAMPLE, "audio.wav")
        self.positions, self.frames = rc.spread(sorted(glob.glob(os.path.join(SAMPLE, "frames", "*.jpg"))), 5)

    def describe_args(self, *more):
        return ["--target", self.target, "--describe", "--wav", self.wav, "--frames", os.path.join(SAMPLE, "frames")] \
            + list(more)

    def test_the_cli_with_the_key_from_the_environment_and_the_ca_is_served(self):
        run = run_cli(*self.describe_args("--ca-cert", self.ca), api_key=self.key)
        self.assertEqual(0, run.returncode, run.stderr)
        self.assertIn('referents {   text: "red"', run.stdout)

    def test_the_cli_without_a_key_says_unauthenticated(self):
        run = run_cli(*self.describe_args("--ca-cert", self.ca))
        self.assertEqual(1, run.returncode, run.stderr)
        self.assertEqual("", run.stdout)
        self.assertTrue(run.stderr.startswith("status UNAUTHENTICATED: this call needs an API key: send the API key as "
                                              "metadata 'authorization: Bearer <key>'"), run.stderr)
        self.assertIn("(no API key was sent: give --api-key KEY or set REFSEG_API_KEY)", run.stderr)
        wrong = run_cli(*self.describe_args("--ca-cert", self.ca, "--api-key", "wrong-key-77d1"), api_key=self.key)
        self.assertEqual(1, wrong.returncode, wrong.stderr)
        self.assertTrue(wrong.stderr.startswith("status UNAUTHENTICATED: the API key sent is not valid"), wrong.stderr)

    def test_the_library_needs_the_key_and_trust_in_the_certificate(self):
        answer = rc.describe(self.target, self.wav, self.frames, self.positions, api_key=self.key, ca_cert=self.ca)
        self.assertEqual(["red"], [r.text for r in answer.referents])
        masks = list(rc.propagate(self.target, os.path.join(SAMPLE, "frames"), [(1, 24, (130, 150, 171, 191))],
                                  api_key=self.key, ca_cert=self.ca))
        self.assertEqual(48, len(masks))
        for access, code in ((dict(ca_cert=self.ca), grpc.StatusCode.UNAUTHENTICATED),
                             (dict(api_key=self.key), grpc.StatusCode.UNAVAILABLE),
                             (dict(api_key=self.key, tls=True), grpc.StatusCode.UNAVAILABLE)):
            with self.assertRaises(grpc.RpcError, msg=str(access)) as err:
                rc.describe(self.target, self.wav, self.frames, self.positions, timeout=30, **access)
            self.assertEqual(code, err.exception.code(), "%s: %s" % (access, err.exception.details()))


if __name__ == "__main__":
    unittest.main()
