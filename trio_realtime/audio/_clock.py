"""A playback clock: how much of each assistant audio item the listener has heard.

The server streams audio faster than real time, so what was *received* is not
what was *played*. When the user interrupts, the conversation must be cut at
the played point (``conversation.item.truncate``'s ``audio_end_ms``), or the
model believes it said things nobody heard. The clock models the
application's player as one queue that plays at real time: audio handed to it
starts when the audio before it ends (or now, if the player ran dry).

Pure: time comes from the ``clock`` callable (``time.monotonic`` by default;
pass ``trio.current_time`` under trio's ``MockClock``). Only durations are
kept, never audio, and only for the last ``max_items`` items.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ._formats import PCM16, AudioFormat
from ._pcm import Buffer

__all__ = ["PlaybackClock", "PlayedAudio"]


@dataclass(frozen=True, slots=True)
class PlayedAudio:
    """An item cut off mid-play: truncate ``item_id`` at ``audio_end_ms``."""

    item_id: str
    audio_end_ms: int


class _Item:
    __slots__ = ("spans",)

    def __init__(self) -> None:
        # Contiguous stretches of the player's timeline: [start seconds, duration seconds].
        self.spans: list[list[float]] = []


class PlaybackClock:
    """What the player has played of each item, in ms, from when audio was handed to it."""

    def __init__(
        self,
        audio_format: AudioFormat = PCM16,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_items: int = 64,
    ) -> None:
        self.format = audio_format
        self._clock = clock
        self._max_items = max_items
        self._items: dict[str, _Item] = {}
        self._end = -float("inf")  # when the last queued audio finishes

    def enqueue(self, item_id: str, audio: Buffer | int) -> None:
        """``audio`` (or that many bytes) of ``item_id`` was handed to the player just now."""
        seconds = self.format.duration_ms(audio) / 1000
        now = self._clock()
        start = max(now, self._end)
        item = self._items.get(item_id)
        if item is None:
            item = self._items[item_id] = _Item()
            if len(self._items) > self._max_items:
                del self._items[next(iter(self._items))]
        if item.spans and abs(item.spans[-1][0] + item.spans[-1][1] - start) < 1e-9:
            item.spans[-1][1] += seconds  # the usual case: one span per item
        else:
            item.spans.append([start, seconds])
        self._end = start + seconds

    def played_ms(self, item_id: str) -> int:
        """Milliseconds of ``item_id`` played so far (0 for an item never queued)."""
        item = self._items.get(item_id)
        if item is None:
            return 0
        now = self._clock()
        played = sum(min(max(now - start, 0.0), length) for start, length in item.spans)
        # Round down: truncating 1 ms early is harmless, 1 ms late is past the audio.
        return int(played * 1000 + 1e-9)

    @property
    def playing(self) -> bool:
        """Whether queued audio is still playing."""
        return self._clock() < self._end

    def interrupt(self) -> PlayedAudio | None:
        """Stop the player's timeline now; what to truncate, or ``None`` if nothing was playing.

        Audio queued but not yet played is forgotten, so a later ``played_ms``
        stays at the cut. Clear the player's own buffer at the same moment.
        """
        now = self._clock()
        if now >= self._end:
            return None
        current = None
        for item_id, item in self._items.items():
            for span in item.spans:
                if span[0] <= now < span[0] + span[1]:
                    current = item_id
                span[1] = min(max(now - span[0], 0.0), span[1])
        self._end = now
        if current is None:
            return None
        return PlayedAudio(current, self.played_ms(current))
