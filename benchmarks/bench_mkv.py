"""The MKV reader on a one-hour meeting stream against the aws-samples consumer library's approach.

The stream: what `GetMedia` returns for one attendee over an hour, made with the package's own
Kinesis-shaped writer from the committed 64 kbit/s AAC test tone (its real frame sizes,
repeated): 1,800 fragments of 2 s (~94 AAC frames each), each with its EBML header, a Segment
and Cluster of unknown size and the service's tags, ~29 MB, read in 1,024-byte chunks (what
iterating botocore's `StreamingBody` gives).

The baseline is a faithful model of amazon-kinesis-video-streams-consumer-library-for-python
(aws-samples, not on PyPI), written from reading its `KvsConsumerLibrary.run`, using ebmlite
from PyPI (the library vendors a lightly modified copy of it): append each chunk to a buffer;
`schema.loads(buffer)` (headers kept, as its copy does) and walk the top-level elements looking for EBML headers, on *every*
chunk; when a second header appears, slice the first fragment out, parse it again, and (as its
`get_fragment_tags` and frame helpers do) collect its SimpleTags and SimpleBlock payloads. Like
the library, it never delivers the last fragment (no header follows it).

The baseline's cost per byte does not depend on the stream's length (its buffer is cut back at
each fragment), so it is timed on a prefix of the hour and scaled to the hour; the two prefix
lengths measured show whether that scaling holds. The reader is timed on the whole hour.

Against FFmpeg's Matroska demuxer (through PyAV, when installed: the `audio` extra): the same
hour read from memory in 64 KiB chunks by both (PyAV's demuxer with a 64 KiB I/O buffer, every
packet taken), and a plain Matroska file muxed by FFmpeg (20 minutes of the tone, one Segment,
known-size Clusters), read by the package's reader with `max_fragment_size` raised to hold it.
Each is timed three times, interleaved, and the fastest kept (the machine is shared).

Times are the thread's CPU time. Peak memory: tracemalloc's peak while reading, after `gc.collect()`, with the input already in
memory (not counted).

    python benchmarks/bench_mkv.py     # this section alone; the baseline needs `pip install ebmlite`
"""

from __future__ import annotations

import gc
import io
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bench_harness import Row, fmt_bytes, print_table

from kvs_chime.media import read_fragments
from kvs_chime.media._writer import AudioTrackSpec, FrameSpec, kvs_fragment

TONE = Path(__file__).resolve().parents[1] / "kvs_chime" / "testing" / "_audio" / "tone-440hz.mkv"
CHUNK = 1024
FRAGMENT_SECONDS = 2
HOUR_FRAGMENTS = 3600 // FRAGMENT_SECONDS
EPOCH_MS = 1_627_503_649_000
EBML_ID = 0x1A45DFA3
SEGMENT_ID, CLUSTER_ID, SIMPLE_BLOCK_ID = 0x18538067, 0x1F43B675, 0xA3
TAGS_ID, TAG_ID, SIMPLE_TAG_ID, TAG_NAME_ID, TAG_STRING_ID = 0x1254C367, 0x7373, 0x67C8, 0x45A3, 0x4487


def meeting_stream(fragments: int) -> tuple[bytes, int]:
    """`fragments` fragments of the hour's stream, and the number of AAC frames in them."""
    with TONE.open("rb") as file:
        [tone] = read_fragments(file)
    track = tone.audio_track
    assert track is not None
    payloads = [f.data for f in tone.frames]
    per_fragment = round(FRAGMENT_SECONDS * 48000 / 1024)  # 94
    parts: list[bytes] = []
    frames = 0
    for index in range(fragments):
        start_ms = EPOCH_MS + index * FRAGMENT_SECONDS * 1000
        chosen = [payloads[(index * per_fragment + i) % len(payloads)] for i in range(per_fragment)]
        frames += len(chosen)
        parts.append(
            kvs_fragment(
                track=AudioTrackSpec(codec_private=track.codec_private),
                cluster_timecode=start_ms,
                frames=[FrameSpec(round(i * 1024 / 48), data) for i, data in enumerate(chosen)],
                tags=[
                    (
                        "AWS_KINESISVIDEO_FRAGMENT_NUMBER",
                        str(91343852333181432392682062607743920146264118616 + index),
                    ),
                    ("AWS_KINESISVIDEO_SERVER_TIMESTAMP", f"{start_ms / 1000 + 0.05:.3f}"),
                    ("AWS_KINESISVIDEO_PRODUCER_TIMESTAMP", f"{start_ms / 1000:.3f}"),
                    ("meetingId", "1e6bf4f5-f4b5-4917-b8c9-bda45c340706"),
                    ("attendeeId", "a1"),
                    ("sampleRate", "48000"),
                    ("channels", "1"),
                ],
                trailing_tags=[
                    ("AWS_KINESISVIDEO_MILLIS_BEHIND_NOW", "900"),
                    (
                        "AWS_KINESISVIDEO_CONTINUATION_TOKEN",
                        str(91343852333181432392682062607743920146264118616 + index),
                    ),
                ],
            )
        )
    return b"".join(parts), frames


def chunks(data: bytes, size: int = CHUNK) -> Iterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(data), size):
        yield bytes(view[start : start + size])


def read_with_kvs_chime(data: bytes, chunk_size: int = CHUNK) -> tuple[int, int]:
    """(fragments, frames) the package's reader delivers."""
    fragments = frames = 0
    for fragment in read_fragments(io.BytesIO(data), chunk_size=chunk_size):
        fragments += 1
        frames += len(fragment.frames)
        _ = fragment.fragment_number, fragment.attendee_id
    return fragments, frames


def _ebmlite_schema() -> object:
    from ebmlite import loadSchema  # type: ignore[import-not-found]  # a benchmark-only baseline

    return loadSchema("matroska.xml")


def read_like_aws_samples(data: bytes, schema: object) -> tuple[int, int]:
    """The consumer library's loop (see the module docstring), delivering tags and frames."""
    fragments = frames = 0
    buffer = bytearray()
    for chunk in chunks(data):
        buffer.extend(chunk)
        # The library's vendored ebmlite changes `loads` to keep the first EBML header
        # (`headers=True`); PyPI's `load` takes the same flag.
        dom = schema.load(io.BytesIO(buffer), headers=True)  # type: ignore[attr-defined]  # ebmlite is untyped
        headers = [element for element in dom if element.id == EBML_ID]
        if len(headers) > 1:
            fragment_bytes = buffer[headers[0].offset : headers[1].offset]
            fragment = schema.load(io.BytesIO(fragment_bytes), headers=True)  # type: ignore[attr-defined]  # ebmlite is untyped
            tags: dict[str, object] = {}
            blocks: list[bytes] = []
            for element in fragment:
                if element.id != SEGMENT_ID:
                    continue
                for child in element:
                    if child.id == TAGS_ID:
                        for tag in child:
                            if tag.id == TAG_ID:
                                for simple in tag:
                                    if simple.id == SIMPLE_TAG_ID:
                                        name = value = None
                                        for part in simple:
                                            if part.id == TAG_NAME_ID:
                                                name = part.value
                                            elif part.id == TAG_STRING_ID:
                                                value = part.value
                                        if name:
                                            tags[name] = value
                    elif child.id == CLUSTER_ID:
                        blocks.extend(block.value for block in child if block.id == SIMPLE_BLOCK_ID)
            fragments += 1
            frames += len(blocks)
            buffer = buffer[headers[1].offset :]
    return fragments, frames


def read_whole_with_ebmlite(data: bytes, schema: object) -> tuple[int, int]:
    """ebmlite at its best: the whole stream in memory, parsed once (not incremental)."""
    fragments = frames = 0
    for element in schema.loads(data):  # type: ignore[attr-defined]  # ebmlite is untyped
        if element.id == SEGMENT_ID:
            fragments += 1
            for child in element:
                if child.id == CLUSTER_ID:
                    frames += sum(1 for block in child if block.id == SIMPLE_BLOCK_ID and block.value)
    return fragments, frames


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_bytes: int
    fragments: int
    frames: int


def measure(read: Callable[[], tuple[int, int]], *, memory: bool = True) -> Run:
    # Thread CPU time, as the other in-process rows: not inflated when another process takes
    # the core on a shared machine.
    gc.collect()
    start = time.thread_time()
    fragments, frames = read()
    seconds = time.thread_time() - start
    peak = 0
    if memory:
        gc.collect()
        tracemalloc.start()
        try:
            read()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return Run(seconds, peak, fragments, frames)


def read_with_pyav(data: bytes) -> tuple[int, int]:
    """(segments, packets) FFmpeg's Matroska demuxer gives, reading 64 KiB at a time."""
    import av

    packets = 0
    with av.open(io.BytesIO(data), format="matroska", buffer_size=64 * 1024) as container:
        for packet in container.demux(container.streams.audio[0]):
            if packet.size:
                packets += 1
    return 1, packets


def plain_file(seconds: int) -> bytes:
    """The tone's AAC packets, repeated for `seconds`, muxed by FFmpeg (through PyAV)."""
    from fractions import Fraction

    import av

    with av.open(str(TONE)) as container:
        stream = container.streams.audio[0]
        extradata = stream.codec_context.extradata
        packets = [bytes(p) for p in container.demux(stream) if p.size]
    out = io.BytesIO()
    with av.open(out, "w", format="matroska") as container:
        stream = container.add_stream("aac", rate=48000, layout="mono")
        stream.codec_context.extradata = extradata
        for index in range(seconds * 48000 // 1024):
            packet = av.Packet(packets[index % len(packets)])
            packet.stream = stream
            packet.pts = packet.dts = index * 1024
            packet.time_base = Fraction(1, 48000)
            container.mux(packet)
    return out.getvalue()


def read_plain_with_kvs_chime(data: bytes) -> tuple[int, int]:
    fragments = frames = 0
    for fragment in read_fragments(io.BytesIO(data), 64 * 1024, max_fragment_size=len(data) + 1):
        fragments += 1
        frames += len(fragment.frames)
    return fragments, frames


def fastest(runs: dict[str, Callable[[], tuple[int, int]]], times: int = 3) -> dict[str, Run]:
    """Each read timed `times` times, interleaved; the fastest run of each."""
    best: dict[str, Run] = {}
    for _ in range(times):
        for name, read in runs.items():
            run = measure(read, memory=False)
            if name not in best or run.seconds < best[name].seconds:
                best[name] = run
    return best


@dataclass(frozen=True)
class AgainstPyAV:
    hour: dict[str, Run]  # "kvs", "pyav": the hour, 64 KiB chunks
    plain: dict[str, Run]  # "kvs", "pyav": the plain file
    plain_bytes: int


def against_pyav(hour: bytes, *, quick: bool) -> AgainstPyAV | None:
    try:
        import av  # noqa: F401  # only whether it is installed
    except ImportError:
        return None
    plain = plain_file(300 if quick else 1200)
    return AgainstPyAV(
        hour=fastest(
            {"kvs": lambda: read_with_kvs_chime(hour, 64 * 1024), "pyav": lambda: read_with_pyav(hour)}
        ),
        plain=fastest(
            {"kvs": lambda: read_plain_with_kvs_chime(plain), "pyav": lambda: read_with_pyav(plain)}
        ),
        plain_bytes=len(plain),
    )


@dataclass(frozen=True)
class Result:
    hour_bytes: int
    hour_frames: int
    kvs: Run
    kvs_64k: Run
    kvs_short: Run
    baseline: dict[int, Run]  # fragments in the prefix -> run
    prefix_bytes: dict[int, int]
    ebmlite_whole: Run | None
    pyav: AgainstPyAV | None = None

    def baseline_hour_seconds(self) -> float:
        """The largest prefix's time per byte, times the hour's bytes."""
        largest = max(self.baseline)
        return self.baseline[largest].seconds / self.prefix_bytes[largest] * self.hour_bytes


def run(baseline_prefixes: tuple[int, ...] = (30, 120), *, quick: bool = False) -> Result:
    hour, frames = meeting_stream(HOUR_FRAGMENTS)
    short = hour[: len(hour) // 10]
    kvs = measure(lambda: read_with_kvs_chime(hour))
    kvs_64k = measure(lambda: read_with_kvs_chime(hour, 64 * 1024), memory=False)
    kvs_short = measure(lambda: read_with_kvs_chime(short))
    baseline: dict[int, Run] = {}
    prefix_bytes: dict[int, int] = {}
    whole: Run | None = None
    try:
        schema = _ebmlite_schema()
    except ImportError:
        schema = None
    if schema is not None:
        for fragments in baseline_prefixes[:1] if quick else baseline_prefixes:
            prefix, _ = meeting_stream(fragments)
            prefix_bytes[fragments] = len(prefix)
            baseline[fragments] = measure(lambda p=prefix: read_like_aws_samples(p, schema))  # type: ignore[misc]  # default binds the prefix
        whole = measure(lambda: read_whole_with_ebmlite(hour, schema), memory=False)
    pyav = against_pyav(hour, quick=quick)
    return Result(len(hour), frames, kvs, kvs_64k, kvs_short, baseline, prefix_bytes, whole, pyav)


def rows(result: Result) -> list[Row]:
    """The benchmark table's rows (section 6 of `run.py`)."""
    hour_mb = result.hour_bytes / 1e6
    kvs_rate = hour_mb / result.kvs.seconds
    out: list[Row] = []
    if result.baseline:
        largest = max(result.baseline)
        base = result.baseline[largest]
        base_rate = result.prefix_bytes[largest] / 1e6 / base.seconds
        speedup = result.baseline_hour_seconds() / result.kvs.seconds
        out.append(
            Row(
                f"read 1 h of meeting audio ({hour_mb:.0f} MB, 1 KiB chunks): throughput",
                f"{base_rate:.2f} MB/s ({largest * FRAGMENT_SECONDS // 60} min, scaled: {result.baseline_hour_seconds():.0f} s/h)",
                f"{kvs_rate:.1f} MB/s ({result.kvs.seconds:.2f} s/h)",
                f"{speedup:.1f}x faster",
                "CPU time",
                ">= 100x",
                "yes" if speedup >= 100 else "NO",
            )
        )
        rates = ", ".join(
            f"{fragments * FRAGMENT_SECONDS // 60} min: {result.prefix_bytes[fragments] / 1e6 / r.seconds:.2f} MB/s"
            for fragments, r in sorted(result.baseline.items())
        )
        out.append(
            Row("  baseline rate by prefix (flat: scaling holds)", rates, "-", "-", "-", "report", "-")
        )
        out.append(
            Row(
                "  fragments delivered",
                f"{base.fragments} of {largest} (drops the last)",
                f"{result.kvs.fragments} of {HOUR_FRAGMENTS}",
                "-",
                "-",
                "all",
                "yes" if result.kvs.fragments == HOUR_FRAGMENTS else "NO",
            )
        )
    flat = result.kvs.peak_bytes < 1.25 * result.kvs_short.peak_bytes
    out.append(
        Row(
            "read: peak traced memory (kvs_chime: 6 min -> 1 h)",
            f"{fmt_bytes(result.baseline[max(result.baseline)].peak_bytes)} ({max(result.baseline) * FRAGMENT_SECONDS // 60} min)"
            if result.baseline
            else "-",
            f"{fmt_bytes(result.kvs_short.peak_bytes)} -> {fmt_bytes(result.kvs.peak_bytes)}",
            f"{result.kvs.peak_bytes / result.kvs_short.peak_bytes:.2f}x",
            "-",
            "flat",
            "yes" if flat else "NO",
        )
    )
    out.append(
        Row(
            "  kvs_chime with 64 KiB chunks",
            "-",
            f"{hour_mb / result.kvs_64k.seconds:.1f} MB/s",
            "-",
            "-",
            "report",
            "-",
        )
    )
    if result.pyav is not None:
        hour, plain = result.pyav.hour, result.pyav.plain
        ratio = hour["pyav"].seconds / hour["kvs"].seconds
        same = hour["kvs"].frames == hour["pyav"].frames == result.hour_frames
        out.append(
            Row(
                f"GetMedia-shaped hour ({hour_mb:.0f} MB, 64 KiB chunks) vs FFmpeg's demuxer (PyAV)",
                f"{hour_mb / hour['pyav'].seconds:.1f} MB/s",
                f"{hour_mb / hour['kvs'].seconds:.1f} MB/s",
                f"{ratio:.2f}x PyAV's speed",
                "CPU time, best of 3",
                ">= 1.0x",
                "yes" if ratio >= 1.0 and same else "NO",
            )
        )
        plain_mb = result.pyav.plain_bytes / 1e6
        ratio = plain["pyav"].seconds / plain["kvs"].seconds
        out.append(
            Row(
                f"  plain FFmpeg-muxed file ({plain_mb:.0f} MB) vs FFmpeg's demuxer",
                f"{plain_mb / plain['pyav'].seconds:.1f} MB/s",
                f"{plain_mb / plain['kvs'].seconds:.1f} MB/s",
                f"{ratio:.2f}x PyAV's speed",
                "CPU time, best of 3",
                ">= 0.83x (within 1.2x)",
                "yes" if ratio >= 1 / 1.2 and plain["kvs"].frames == plain["pyav"].frames else "NO",
            )
        )
    if result.ebmlite_whole is not None:
        out.append(
            Row(
                "  ebmlite alone, whole hour in memory, parsed once",
                f"{hour_mb / result.ebmlite_whole.seconds:.1f} MB/s (not incremental)",
                f"{kvs_rate:.1f} MB/s",
                f"{result.ebmlite_whole.seconds / result.kvs.seconds:.1f}x",
                "-",
                "report",
                "-",
            )
        )
    return out


def main() -> None:
    result = run()
    print(
        f"one hour: {result.hour_bytes / 1e6:.1f} MB, {HOUR_FRAGMENTS} fragments, {result.hour_frames} frames",
        flush=True,
    )
    print_table("MKV reader (raw column: the aws-samples consumer library's approach)", [("", rows(result))])


if __name__ == "__main__":
    main()
