#!/usr/bin/env python3
"""A small Python client for refseg's Segment and AudioReferent.Describe RPCs.

Stubs are generated from ../../proto at first use (Debian: python3-grpcio, python3-grpc-tools).

    python3 clients/python/refseg_client.py --target localhost:9000 --text "the red disc" \
        --mp4 clip.mp4 [--wav audio.wav] [--frames DIR] [--masks OUT_DIR]
    python3 clients/python/refseg_client.py --audio --mp4 clip.mp4 --wav audio.wav --masks OUT_DIR
    python3 clients/python/refseg_client.py --describe --wav audio.wav --frames DIR
    python3 clients/python/refseg_client.py --online --text "the red disc" --frames DIR [--max-resumes 5]
    REFSEG_API_KEY=KEY python3 clients/python/refseg_client.py --ca-cert ca.pem --target host:9000 ...

Prints one line per event; with --masks, writes each received mask as OUT_DIR/<object>/<frame>.png (and
for --audio the union of the sounding objects as OUT_DIR/sounding/<frame>.png). --describe names what
makes the sound in audio.wav, looking at 5 frames of DIR spread over the video. A call that fails ends
with "status CODE: details" on stderr and exit code 1. --online streams the frames in MODE_ONLINE and, when the
stream is cut (UNAVAILABLE, CANCELLED, DEADLINE_EXCEEDED: e.g. Knative's request timeout), resumes it on a new
call from the last mask received (Start.resume), with backoff, at most --max-resumes times in a row.

The API key (--api-key, else REFSEG_API_KEY) is sent on every call as 'authorization: Bearer KEY';
--tls uses TLS with gRPC's default roots, --ca-cert PEM with the CAs of that file.
"""
import argparse
import glob
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "proto"))
STUB_DIR = os.path.join(HERE, "build", "stubs")
API_KEY_ENV = "REFSEG_API_KEY"
BIG_MESSAGES = [("grpc.max_receive_message_length", 64 << 20)]


def load_stubs():
    """Compiles proto/refseg/v1/*.proto (again whenever a .proto is newer than the stubs) and returns
    the (messages, services) modules."""
    protos = sorted(glob.glob(os.path.join(PROTO_DIR, "refseg", "v1", "*.proto")))
    marker = os.path.join(STUB_DIR, "refseg", "v1", "segmenter_pb2_grpc.py")
    if not os.path.exists(marker) or max(os.path.getmtime(p) for p in protos) > os.path.getmtime(marker):
        from grpc_tools import protoc
        os.makedirs(STUB_DIR, exist_ok=True)
        rc = protoc.main(["protoc", "-I" + PROTO_DIR, "--python_out=" + STUB_DIR,
                          "--grpc_python_out=" + STUB_DIR] + protos)
        if rc != 0:
            raise RuntimeError("protoc failed on %s" % PROTO_DIR)
    if STUB_DIR not in sys.path:
        sys.path.insert(0, STUB_DIR)
    from refseg.v1 import media_pb2, segmenter_pb2, segmenter_pb2_grpc
    return media_pb2, segmenter_pb2, segmenter_pb2_grpc


def load_stage_stubs():
    """The (messages, services) modules of stages.proto (AudioReferent, KeySelection, Propagation)."""
    load_stubs()
    from refseg.v1 import stages_pb2, stages_pb2_grpc
    return stages_pb2, stages_pb2_grpc


def requests(text=None, mp4=None, frames_dir=None, wav=None, chunk=64 * 1024, audio_objects=0):
    """The request stream: Start, then the video (MP4 chunks or image frames), then the audio.

    Without text the referent is the sound (an audio referent, up to audio_objects sounding objects,
    0 = the server's default of 1): the audio is the wav, or else the MP4's own audio track."""
    media_pb2, segmenter_pb2, _ = load_stubs()
    if text is None:
        start = segmenter_pb2.Start(audio=segmenter_pb2.AudioReferentSpec(max_objects=audio_objects))
    else:
        start = segmenter_pb2.Start(text=text)
    yield segmenter_pb2.SegmentRequest(start=start)
    if mp4:
        with open(mp4, "rb") as f:
            while True:
                data = f.read(chunk)
                if not data:
                    break
                yield segmenter_pb2.SegmentRequest(media=media_pb2.MediaChunk(data=data))
    if frames_dir:
        files = sorted(p for p in os.listdir(frames_dir) if p.lower().endswith((".jpg", ".jpeg", ".png")))
        for i, name in enumerate(files):
            with open(os.path.join(frames_dir, name), "rb") as f:
                yield segmenter_pb2.SegmentRequest(frame=media_pb2.Frame(index=i, data=f.read()))
    if wav:
        with open(wav, "rb") as f:
            yield segmenter_pb2.SegmentRequest(audio=media_pb2.AudioChunk(data=f.read()))


def connect(target, api_key=None, tls=False, ca_cert=None, options=None):
    """(channel, metadata): a channel to target and the metadata to send on every call made on it.

    TLS when tls or ca_cert is given: ca_cert is a PEM file of the CAs to trust instead of gRPC's default
    roots. api_key, when given, is sent as 'authorization: Bearer <key>' metadata, in plain text too (e.g.
    behind a TLS-terminating proxy); gRPC's call credentials would need TLS. Raises OSError when ca_cert
    cannot be read."""
    import grpc
    if tls or ca_cert:
        roots = None
        if ca_cert:
            with open(ca_cert, "rb") as f:
                roots = f.read()
        channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(roots), options)
    else:
        channel = grpc.insecure_channel(target, options)
    return channel, ((("authorization", "Bearer " + api_key),) if api_key else None)


def segment(target, request_iter, timeout=600, api_key=None, tls=False, ca_cert=None):
    """Runs one Segment call; yields the server's events. api_key, tls, ca_cert: as connect takes them.
    Raises grpc.RpcError when the call fails (UNAUTHENTICATED without a valid key on a server that wants one)."""
    _, _, segmenter_pb2_grpc = load_stubs()
    channel, metadata = connect(target, api_key, tls, ca_cert, BIG_MESSAGES)
    with channel:
        stub = segmenter_pb2_grpc.SegmenterStub(channel)
        for event in stub.Segment(request_iter, timeout=timeout, metadata=metadata):
            yield event


# How a cut stream ends: Knative's request timeout, a pod going away, a dropped connection or our own deadline.
RESUMABLE = ("UNAVAILABLE", "CANCELLED", "DEADLINE_EXCEEDED")


def frame_files(frames_dir):
    """The JPEG/PNG files of a folder, in name order (frame i is the i-th)."""
    return [os.path.join(frames_dir, p) for p in sorted(os.listdir(frames_dir))
            if p.lower().endswith((".jpg", ".jpeg", ".png"))]


def online_requests(text, pictures, resume=None, options=None):
    """An online call's request stream: Start (MODE_ONLINE, with resume when given), then the frames.

    pictures: a sequence whose item i is frame i's picture (JPEG/PNG bytes, or the path of such a file).
    A resumed stream sends the key frame's picture (when resume has key masks), the last frame's, then the
    frames after it, keeping the old numbering (segmenter.proto, Resume)."""
    media_pb2, segmenter_pb2, _ = load_stubs()
    start = segmenter_pb2.Start(text=text, mode=segmenter_pb2.MODE_ONLINE, options=options, resume=resume)
    yield segmenter_pb2.SegmentRequest(start=start)
    order = range(len(pictures))
    if resume is not None:
        seeds = [resume.key_frame_index] if resume.key_masks else []
        order = seeds + [resume.last_frame_index] + list(range(resume.last_frame_index + 1, len(pictures)))
    for i in order:
        data = pictures[i]
        if isinstance(data, str):
            with open(data, "rb") as f:
                data = f.read()
        yield segmenter_pb2.SegmentRequest(frame=media_pb2.Frame(index=i, data=data))


class ResumePoint:
    """What an online client keeps to resume a cut stream: the frames answered so far as a prefix (every
    frame up to `done` has its MaskFrame; later ones that came early, e.g. during the backward fill, are
    held until the prefix reaches them), the last frame of that prefix with an object's pixels, and the
    key (prompted) frame's MaskFrame. Bounded however long the stream runs."""

    def __init__(self):
        self.done = -1
        self.early = {}
        self.last = None
        self.key = None

    def take(self, mask):
        """Records a MaskFrame; False when that frame was answered already (a resumed stream may answer
        again frames a cut stream had answered ahead of the prefix)."""
        i = mask.frame_index
        if i <= self.done or i in self.early:
            return False
        from refseg.v1 import masks_pb2
        if mask.direction == masks_pb2.PASS_DIRECTION_PROMPT:  # the key frame
            self.key = mask
        self.early[i] = mask
        while self.done + 1 in self.early:
            self.done += 1
            m = self.early.pop(self.done)
            if any(o.present for o in m.objects):
                self.last = m
        return True

    def resume(self):
        """The Resume to send, or None when no answered frame of the prefix shows an object."""
        if self.last is None:
            return None
        from refseg.v1 import segmenter_pb2
        r = segmenter_pb2.Resume(last_frame_index=self.last.frame_index)
        ids = set()
        for o in self.last.objects:
            if o.present:
                r.last_masks.add(object_id=o.object_id, rle=o.rle)
                ids.add(o.object_id)
        if self.key is not None and self.key.frame_index < self.last.frame_index:
            r.key_frame_index = self.key.frame_index
            for o in self.key.objects:
                if o.object_id in ids:
                    r.key_masks.add(object_id=o.object_id, rle=o.rle)
        return r


def segment_online(target, text, pictures, options=None, timeout=600, max_resumes=5, backoff_s=1.0,
                   api_key=None, tls=False, ca_cert=None, sleep=None, on_resume=None):
    """An online Segment call over the pictures that resumes by itself when the stream is cut.

    Yields the server's events, each frame's MaskFrame exactly once (in the old numbering across resumes).
    When the stream ends UNAVAILABLE, CANCELLED or DEADLINE_EXCEEDED (e.g. Knative's request timeout), it
    waits (backoff_s, doubled each time up to 30 s), opens a new call with Start.resume from the last
    MaskFrame received and sends the remaining frames; the server selects nothing again (no LLM). It
    gives up (raising the last grpc.RpcError) after max_resumes cuts in a row without a new mask, or when
    no frame answered so far shows an object (there is nothing to resume from). on_resume(attempt, resume,
    error) is called before each new call."""
    import grpc
    import time
    sleep = sleep or time.sleep
    point = ResumePoint()
    failures = 0
    resume = None
    while True:
        progressed = False
        try:
            for event in segment(target, online_requests(text, pictures, resume, options), timeout, api_key, tls,
                                 ca_cert):
                if event.WhichOneof("event") == "mask":
                    if not point.take(event.mask):
                        continue
                    progressed = True
                yield event
            return
        except grpc.RpcError as e:
            failures = 0 if progressed else failures + 1
            resume = point.resume()
            if e.code().name not in RESUMABLE or failures >= max_resumes or resume is None:
                raise
            if on_resume:
                on_resume(failures + 1, resume, e)
            sleep(min(backoff_s * 2 ** failures, 30.0))


def describe(target, wav, frame_files, indices=None, max_objects=0, timeout=600, api_key=None, tls=False,
             ca_cert=None):
    """AudioReferent.Describe: which visible objects make the sound of the wav, looking at the frames,
    numbered by indices (their positions in the video; default 0, 1, ...). Returns the DescribeResponse;
    raises grpc.RpcError when the call fails. api_key, tls, ca_cert: as connect takes them."""
    media_pb2, _, _ = load_stubs()
    stages_pb2, stages_pb2_grpc = load_stage_stubs()
    frames = []
    for i, path in enumerate(frame_files):
        with open(path, "rb") as f:
            frames.append(media_pb2.Frame(index=indices[i] if indices else i, data=f.read()))
    with open(wav, "rb") as f:
        audio = [media_pb2.AudioChunk(data=f.read())]
    channel, metadata = connect(target, api_key, tls, ca_cert)
    with channel:
        stub = stages_pb2_grpc.AudioReferentStub(channel)
        return stub.Describe(stages_pb2.DescribeRequest(audio=audio, frames=frames, max_objects=max_objects),
                             timeout=timeout, metadata=metadata)


def spread(files, count):
    """(positions, files): count files spread evenly over the list, first and last included."""
    if len(files) <= count:
        return list(range(len(files))), list(files)
    picked = [round(i * (len(files) - 1) / (count - 1)) for i in range(count)]
    return picked, [files[p] for p in picked]


def propagate(target, frames_dir, prompts, include_png=False, timeout=600, api_key=None, tls=False, ca_cert=None):
    """Propagation.Propagate: JPEG/PNG frames of a folder + prompts [(object_id, frame_index, (x1, y1, x2, y2))]
    -> yields MaskFrame messages as the server tracks (forward from the earliest prompt, then backward).
    Raises grpc.RpcError when the call fails. api_key, tls, ca_cert: as connect takes them."""
    load_stubs()
    from refseg.v1 import masks_pb2, media_pb2, stages_pb2, stages_pb2_grpc

    def reqs():
        start = stages_pb2.PropagateStart(include_png=include_png)
        for obj, frame, (x1, y1, x2, y2) in prompts:
            start.prompts.add(object_id=obj, frame_index=frame, box=masks_pb2.Box(x1=x1, y1=y1, x2=x2, y2=y2))
        yield stages_pb2.PropagateRequest(start=start)
        files = sorted(p for p in os.listdir(frames_dir) if p.lower().endswith((".jpg", ".jpeg", ".png")))
        for i, name in enumerate(files):
            with open(os.path.join(frames_dir, name), "rb") as f:
                yield stages_pb2.PropagateRequest(frame=media_pb2.Frame(index=i, data=f.read()))

    channel, metadata = connect(target, api_key, tls, ca_cert, BIG_MESSAGES)
    with channel:
        for mask_frame in stages_pb2_grpc.PropagationStub(channel).Propagate(reqs(), timeout=timeout,
                                                                             metadata=metadata):
            yield mask_frame


def read_png_gray(path):
    """Rows of an 8-bit greyscale, non-interlaced PNG (as refseg writes ground truth), standard library only."""
    with open(path, "rb") as f:
        data = f.read()
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        tag, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if tag == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour != 0:
                raise ValueError("only 8-bit greyscale PNGs are supported")
        elif tag == b"IDAT":
            idat += body
        pos += 12 + n
    raw, rows, prev = zlib.decompress(idat), [], [0] * width
    for y in range(height):
        ftype, line = raw[y * (width + 1)], list(raw[y * (width + 1) + 1:(y + 1) * (width + 1)])
        for x in range(width):
            a = line[x - 1] if x else 0
            b, c = prev[x], prev[x - 1] if x else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 0xFF
            elif ftype == 2:
                line[x] = (line[x] + b) & 0xFF
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(line)
        prev = line
    return rows


def rle_counts(s):
    """COCO rleFrString: the compressed counts string to run lengths."""
    counts, p = [], 0
    while p < len(s):
        x, k, more = 0, 0, True
        while more:
            c = ord(s[p]) - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def rle_decode(counts_str, height, width):
    """Row-major list of rows (0/1) from COCO RLE (column-major runs, background first)."""
    flat = [0] * (height * width)
    pos, value = 0, 0
    for n in rle_counts(counts_str):
        if value:
            for q in range(pos, pos + n):
                flat[(q % height) * width + q // height] = 1
        pos += n
        value ^= 1
    return [flat[y * width:(y + 1) * width] for y in range(height)]


def write_png(path, rows):
    """8-bit greyscale PNG (0/255) with only the standard library."""
    height, width = len(rows), len(rows[0]) if rows else 0
    raw = b"".join(b"\x00" + bytes(255 if v else 0 for v in row) for row in rows)

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", default="localhost:9000")
    ap.add_argument("--api-key", default=os.environ.get(API_KEY_ENV) or None,
                    help="API key, sent as 'authorization: Bearer KEY' (default: $%s)" % API_KEY_ENV)
    ap.add_argument("--tls", action="store_true", help="use TLS, trusting gRPC's default roots")
    ap.add_argument("--ca-cert", help="use TLS, trusting the CAs of this PEM file")
    who = ap.add_mutually_exclusive_group(required=True)
    who.add_argument("--text", help="the sentence naming the object")
    who.add_argument("--audio", action="store_true", help="segment what makes the sound (audio referent)")
    who.add_argument("--describe", action="store_true",
                     help="only name what makes the sound of --wav, looking at 5 of the --frames")
    ap.add_argument("--objects", type=int, default=0, help="audio: most sounding objects (0 = server default, 1)")
    ap.add_argument("--mp4", help="video file to stream (MP4, MKV, WebM or raw H.264)")
    ap.add_argument("--frames", help="folder of JPEG/PNG frames, in name order")
    ap.add_argument("--wav", help="audio file to send with the video")
    ap.add_argument("--masks", help="folder to write received masks to")
    ap.add_argument("--online", action="store_true",
                    help="MODE_ONLINE over --frames: masks as frames go; a cut stream is resumed from the last mask")
    ap.add_argument("--max-resumes", type=int, default=5,
                    help="online: most cuts in a row without a new mask before giving up (default 5)")
    args = ap.parse_args()
    if args.api_key is not None and not (args.api_key and all(0x20 < ord(c) < 0x7F for c in args.api_key)):
        ap.error("the API key (--api-key or $%s) must be printable ASCII without spaces" % API_KEY_ENV)
    if args.ca_cert and not os.access(args.ca_cert, os.R_OK):
        ap.error("--ca-cert %s: cannot read it" % args.ca_cert)
    import grpc
    try:
        run(ap, args)
    except grpc.RpcError as e:
        hint = ""
        if e.code() == grpc.StatusCode.UNAUTHENTICATED and not args.api_key:
            hint = " (no API key was sent: give --api-key KEY or set %s)" % API_KEY_ENV
        elif e.code() == grpc.StatusCode.UNAVAILABLE and not (e.details() or "").startswith(
                ("the inference sidecar", "server is")):
            # The connection failed (refseg's own UNAVAILABLE, from a gateway whose sidecar is down or a
            # draining server, says so itself, and the transport is fine).
            hint = (" [over TLS]" if args.tls or args.ca_cert
                    else " [in plain text: give --tls or --ca-cert PEM for a TLS server]")
        print("status %s: %s%s" % (e.code().name, e.details(), hint), file=sys.stderr)
        sys.exit(1)


def run(ap, args):
    """The command's call(s), with main's parsed arguments; raises grpc.RpcError when a call fails."""
    access = dict(api_key=args.api_key, tls=args.tls, ca_cert=args.ca_cert)
    if args.describe:
        if not args.wav or not args.frames:
            ap.error("--describe needs --wav and --frames")
        files = sorted(os.path.join(args.frames, p) for p in os.listdir(args.frames)
                       if p.lower().endswith((".jpg", ".jpeg", ".png")))
        positions, shown = spread(files, 5)
        print(str(describe(args.target, args.wav, shown, positions, args.objects, **access)).replace("\n", " "))
        return
    if not args.mp4 and not args.frames:
        ap.error("give --mp4 or --frames")
    if args.online:
        if not args.text or not args.frames or args.mp4 or args.wav:
            ap.error("--online takes --text and --frames (no --mp4, --wav)")

        def said(attempt, resume, error):
            print("resuming after frame %d (attempt %d): the stream ended %s" % (resume.last_frame_index, attempt,
                                                                               error.code().name), file=sys.stderr)
        events = segment_online(args.target, args.text, frame_files(args.frames), max_resumes=args.max_resumes,
                                on_resume=said, **access)
    else:
        events = segment(args.target, requests(args.text, args.mp4, args.frames, args.wav, audio_objects=args.objects),
                         **access)
    for event in events:
        kind = event.WhichOneof("event")
        print(kind, str(getattr(event, kind)).replace("\n", " "))
        if kind == "mask" and args.masks and event.mask.HasField("sounding"):
            out = os.path.join(args.masks, "sounding")
            os.makedirs(out, exist_ok=True)
            h, w = event.mask.sounding.size
            write_png(os.path.join(out, "%05d.png" % event.mask.frame_index),
                      rle_decode(event.mask.sounding.counts, h, w))
        if kind == "mask" and args.masks:
            for obj in event.mask.objects:
                out = os.path.join(args.masks, str(obj.object_id))
                os.makedirs(out, exist_ok=True)
                h, w = obj.rle.size
                write_png(os.path.join(out, "%05d.png" % event.mask.frame_index), rle_decode(obj.rle.counts, h, w))


if __name__ == "__main__":
    main()
