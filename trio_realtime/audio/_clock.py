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
from typing import ClassVar

from ._formats import PCM16, AudioFormat
from ._pcm import Buffer

__all__ = ["PlaybackClock", "PlayedAudio"]


@dataclass(frozen=True, slots=True)
class PlayedAudio:
    """An item cut off mid-play: truncate ``item_id`` at ``audio_end_ms``."""

    item_id: str
    audio_end_ms: int


class _Item:
    __slots__ = ("cut", "done", "end", "spans")

    def __init__(self) -> None:
        # Stretches of the player's timeline: (start seconds, length in samples).
        # Lengths are whole samples (exact in a float) until a cut, so merging is exact.
        self.spans: list[tuple[float, float]] = []
        self.done = 0.0  # samples of spans folded away, all of them played
        self.end = -float("inf")  # when this item's last queued audio finishes
        self.cut = False  # interrupted: later audio for it is ignored


class PlaybackClock:
    """What the player has played of each item, in ms, from when audio was handed to it.

    ``format`` (an `AudioFormat`, PCM16 by default) is what the bytes given to
    `enqueue` are, so their duration is right for 24 kHz PCM16 and 8 kHz G.711
    alike. Memory is bounded: at most ``max_items`` items are remembered
    (finished ones are forgotten first, the one playing never), and each keeps
    at most `MAX_SPANS` stretches of the timeline (one while its audio arrives
    faster than it plays; stretches already played are folded into a count).
    """

    #: Stretches of the timeline kept per item (see the class docstring).
    MAX_SPANS: ClassVar[int] = 16

    def __init__(
        self,
        audio_format: AudioFormat = PCM16,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_items: int = 64,
    ) -> None:
        if max_items < 1:
            raise ValueError(f"max_items must be at least 1, got {max_items!r}")
        self.format: AudioFormat = audio_format
        self._clock = clock
        self._max_items = max_items
        self._items: dict[str, _Item] = {}
        self._end = -float("inf")  # when the last queued audio finishes
        self._last: str | None = None  # the item whose span ends at ``_end``

    def enqueue(self, item_id: str, audio: Buffer | int) -> None:
        """``audio`` (or that many bytes) of ``item_id`` was handed to the player just now.

        Ignored for an item cut by `interrupt` (late deltas of a cancelled
        response must not move its played time past the cut). Raises
        `AudioFormatError` for half a sample or a negative byte count.
        """
        samples = float(self.format.samples(audio))
        item = self._items.get(item_id)
        if (item is not None and item.cut) or not samples:
            return
        now = self._clock()
        start = max(now, self._end)
        if item is None:
            item = self._items[item_id] = _Item()
            if len(self._items) > self._max_items:
                self._evict(item_id, now)
        rate = self.format.sample_rate
        if item_id == self._last and item.spans and start == self._end:
            # The usual case, exact: the same item continues where its audio ends.
            first, length = item.spans[-1]
            item.spans[-1] = (first, length + samples)
            self._end = first + (length + samples) / rate
        else:
            item.spans.append((start, samples))
            self._end = start + samples / rate
            if len(item.spans) > self.MAX_SPANS:
                self._compact(item, now)
        item.end = self._end
        self._last = item_id

    def _compact(self, item: _Item, now: float) -> None:
        rate = self.format.sample_rate
        spans = item.spans
        played = [span for span in spans if span[0] + span[1] / rate <= now]
        item.done += sum(length for _, length in played)
        spans[:] = spans[len(played) :]  # spans are in timeline order
        while len(spans) > self.MAX_SPANS:
            # Only when one item alternates with others far ahead of the player:
            # join the two oldest (the gap between them counts as this item's).
            (first, a), (_, b) = spans[0], spans[1]
            spans[:2] = [(first, a + b)]

    def _evict(self, new_id: str, now: float) -> None:
        victim = None
        for item_id, item in self._items.items():
            if item_id != new_id and item.end <= now:
                victim = item_id  # finished: nothing about it can change
                break
        if victim is None:
            for item_id, item in self._items.items():
                if item_id != new_id and not any(start <= now for start, _ in item.spans):
                    victim = item_id  # queued but not started
                    break
        if victim is not None:
            del self._items[victim]

    def played_ms(self, item_id: str) -> int:
        """Milliseconds of ``item_id`` played so far (0 for an item never queued)."""
        item = self._items.get(item_id)
        if item is None:
            return 0
        now = self._clock()
        rate = self.format.sample_rate
        played = item.done + sum(
            min(max((now - start) * rate, 0.0), length) for start, length in item.spans
        )
        # Round down: truncating 1 ms early is harmless, 1 ms late is past the audio.
        return int(played * 1000 / rate + 1e-6)

    @property
    def playing(self) -> bool:
        """Whether queued audio is still playing."""
        return self._clock() < self._end

    def interrupt(self) -> PlayedAudio | None:
        """Stop the player's timeline now; what to truncate, or ``None`` if nothing was playing.

        Audio queued but not yet played is forgotten, so a later ``played_ms``
        stays at the cut, and the items cut ignore any audio enqueued for them
        later. Clear the player's own buffer at the same moment.
        """
        now = self._clock()
        if now >= self._end:
            return None
        rate = self.format.sample_rate
        current = None
        for item_id, item in self._items.items():
            if item.end <= now:
                continue  # played to its end before the cut
            kept: list[tuple[float, float]] = []
            for start, length in item.spans:
                if start <= now < start + length / rate:
                    current = item_id
                played = min(max((now - start) * rate, 0.0), length)
                if played > 0:
                    kept.append((start, played))
            item.spans = kept
            item.end = now
            item.cut = True
        self._end = now
        self._last = None
        if current is None:
            return None
        return PlayedAudio(current, self.played_ms(current))
