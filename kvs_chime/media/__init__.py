"""The audio of a Kinesis video stream: an incremental MKV reader, AAC framing and decoding.

- `MkvReader` (sans-I/O) and its shells `iter_fragments`, `read_fragments`, `aiter_fragments`
  yield `Fragment`s: tags (the service's and the pipeline's), tracks, and `Frame`s with absolute
  timestamps, in memory constant in the stream's length.
- `AudioSpecificConfig` reads an AAC track's CodecPrivate; `adts_frames` wraps raw AAC frames in
  ADTS headers so the output plays anywhere; `write_wav` writes PCM with the standard library.
- `AacDecoder` decodes AAC to PCM through PyAV: `pip install "kvs-chime[audio]"`.
"""

from ._aac import AudioSpecificConfig, adts_frames, adts_header
from ._decode import AacDecoder, decode_aac
from ._errors import AudioFormatError, MediaStreamError, MissingExtraError, MkvFormatError
from ._fragment import Fragment, Frame, MkvTag, Track
from ._io import DEFAULT_CHUNK_SIZE, Readable, aiter_fragments, iter_fragments, read_fragments
from ._reader import MkvReader
from ._wav import write_wav

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "AacDecoder",
    "AudioFormatError",
    "AudioSpecificConfig",
    "Fragment",
    "Frame",
    "MediaStreamError",
    "MissingExtraError",
    "MkvFormatError",
    "MkvReader",
    "MkvTag",
    "Readable",
    "Track",
    "adts_frames",
    "adts_header",
    "aiter_fragments",
    "decode_aac",
    "iter_fragments",
    "read_fragments",
    "write_wav",
]
