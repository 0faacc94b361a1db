"""Audio for realtime sessions: formats, PCM16 frames and levels, G.711, resampling, WAV,
and a playback clock.

Bytes in, bytes out, no I/O. Formats, frames, levels, G.711, 16-bit mono WAV
and the clock need only the stdlib; resampling and WAV conversion need the
``audio`` extra (``pip install 'trio-realtime[audio]'``: numpy and soxr), and
say so with `AudioExtraMissing` when it is missing. G.711 encoding uses numpy
when present (about 10x faster) and works without it.
"""

from __future__ import annotations

from ._clock import PlaybackClock as PlaybackClock
from ._clock import PlayedAudio as PlayedAudio
from ._errors import AudioExtraMissing as AudioExtraMissing
from ._errors import AudioFormatError as AudioFormatError
from ._errors import ResamplerFlushed as ResamplerFlushed
from ._formats import PCM16 as PCM16
from ._formats import PCMA as PCMA
from ._formats import PCMU as PCMU
from ._formats import AudioFormat as AudioFormat
from ._formats import audio_format as audio_format
from ._g711 import alaw_decode as alaw_decode
from ._g711 import alaw_encode as alaw_encode
from ._g711 import ulaw_decode as ulaw_decode
from ._g711 import ulaw_encode as ulaw_encode
from ._pcm import FrameSplitter as FrameSplitter
from ._pcm import check_pcm16 as check_pcm16
from ._pcm import peak_dbfs as peak_dbfs
from ._pcm import rms_dbfs as rms_dbfs
from ._pcm import split_frames as split_frames
from ._resample import COMMON_RATES as COMMON_RATES
from ._resample import QUALITIES as QUALITIES
from ._resample import Resampler as Resampler
from ._resample import resample as resample
from ._wav import WavInfo as WavInfo
from ._wav import read_wav as read_wav
from ._wav import wav_info as wav_info
from ._wav import write_wav as write_wav

__all__ = [
    "COMMON_RATES",
    "PCM16",
    "PCMA",
    "PCMU",
    "QUALITIES",
    "AudioExtraMissing",
    "AudioFormat",
    "AudioFormatError",
    "FrameSplitter",
    "PlaybackClock",
    "PlayedAudio",
    "Resampler",
    "ResamplerFlushed",
    "WavInfo",
    "alaw_decode",
    "alaw_encode",
    "audio_format",
    "check_pcm16",
    "peak_dbfs",
    "read_wav",
    "resample",
    "rms_dbfs",
    "split_frames",
    "ulaw_decode",
    "ulaw_encode",
    "wav_info",
    "write_wav",
]
