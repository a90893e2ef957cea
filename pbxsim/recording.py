"""MixMonitor stand-in: writes a real 8 kHz mono 16-bit WAV for each recorded call.

The audio is synthesised (two alternating "voices": tones with a little noise, and short
pauses) so that the recordings pipeline has something audible to index, convert and play.
Muted spans (``MixMonitorMute``) are written as exact silence, as Asterisk 22 does.
"""

from __future__ import annotations

import asyncio
import functools
import math
import random
import struct
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

SAMPLE_RATE: Final = 8000
MAX_SECONDS: Final = 3600.0


@dataclass
class Recording:
    """One MixMonitor on one channel."""

    mix_id: str
    path: Path
    started: float  # simulated monotonic seconds
    mutes: list[tuple[float, float | None]] = field(default_factory=list)
    stopped: float | None = None

    def mute(self, at: float, *, on: bool) -> None:
        if on:
            if not self.mutes or self.mutes[-1][1] is not None:
                self.mutes.append((at, None))
        elif self.mutes and self.mutes[-1][1] is None:
            start, _ = self.mutes[-1]
            self.mutes[-1] = (start, at)


def synthesise(seconds: float, mutes: list[tuple[float, float]], seed: int) -> bytes:
    """PCM16 little-endian samples: speech-like tone bursts, muted spans silent.

    One 5-second cycle (two "voices" taking turns, syllables with gaps) is computed and tiled,
    so long recordings cost little CPU.
    """
    count = int(max(0.0, min(seconds, MAX_SECONDS)) * SAMPLE_RATE)
    cycle = speech_cycle(seed % 8)
    cycle_len = len(cycle) // 2
    repeats = count // cycle_len + 1
    samples = bytearray((cycle * repeats)[: count * 2])
    for start, end in mutes:
        a = max(0, int(start * SAMPLE_RATE)) * 2
        b = min(count, int(end * SAMPLE_RATE)) * 2
        if b > a:
            samples[a:b] = bytes(b - a)
    return bytes(samples)


@functools.lru_cache(maxsize=8)
def speech_cycle(variant: int) -> bytes:
    """Five seconds of two voices taking turns, built from two 0.25 s syllables."""
    rng = random.Random(variant)
    voices = (220.0 + rng.uniform(-20, 20), 330.0 + rng.uniform(-20, 20))
    syllable_len = SAMPLE_RATE // 4
    syllables = []
    for f in voices:
        syllable = bytearray(syllable_len * 2)
        for i in range(syllable_len):
            t = i / SAMPLE_RATE
            phase = i / syllable_len
            if phase > 0.8:  # the gap between syllables
                value = rng.gauss(0.0, 30.0)
            else:
                envelope = math.sin(math.pi * phase / 0.8)
                value = 6000.0 * envelope * math.sin(2 * math.pi * f * t) + rng.gauss(0.0, 200.0)
            struct.pack_into("<h", syllable, i * 2, max(-32768, min(32767, int(value))))
        syllables.append(bytes(syllable))
    return syllables[0] * 10 + syllables[1] * 10


def write_wav(path: Path, pcm: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm)


async def finish(recording: Recording, stopped: float) -> Path:
    """Close a recording: synthesise its audio and write the file (off the event loop)."""
    recording.stopped = stopped
    length = max(0.0, stopped - recording.started)
    mutes = [
        (start - recording.started, (end if end is not None else stopped) - recording.started)
        for start, end in recording.mutes
    ]
    seed = sum(recording.mix_id.encode())
    pcm = await asyncio.to_thread(synthesise, length, mutes, seed)
    await asyncio.to_thread(write_wav, recording.path, pcm)
    return recording.path
