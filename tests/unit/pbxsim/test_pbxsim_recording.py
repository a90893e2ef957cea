"""MixMonitor files: real 8 kHz mono 16-bit WAVs with audible audio, muted spans silent."""

from __future__ import annotations

import array
import math
import wave
from pathlib import Path

from pbxsim.recording import SAMPLE_RATE, Recording, finish, synthesise


def rms(pcm: bytes) -> float:
    samples = array.array("h", pcm)
    return math.sqrt(sum(x * x for x in samples) / max(1, len(samples)))


def test_synthesised_speech_is_audible_and_as_long_as_the_call() -> None:
    pcm = synthesise(3.0, [], seed=1)

    assert len(pcm) == 3 * SAMPLE_RATE * 2
    assert rms(pcm) > 1000


def test_muted_span_is_exact_silence() -> None:
    pcm = synthesise(4.0, [(1.0, 2.0)], seed=1)
    second = pcm[SAMPLE_RATE * 2 : SAMPLE_RATE * 4]

    assert second == bytes(len(second))
    assert rms(pcm[SAMPLE_RATE * 4 :]) > 1000


async def test_finished_recording_is_a_playable_wav(tmp_path: Path) -> None:
    recording = Recording("0x7f", tmp_path / "calls" / "lead1.wav", started=10.0)
    recording.mute(11.0, on=True)
    recording.mute(11.5, on=False)

    path = await finish(recording, stopped=12.0)

    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 8000)
        assert wav.getnframes() == 2 * SAMPLE_RATE
        frames = wav.readframes(wav.getnframes())
    assert frames[SAMPLE_RATE * 2 : SAMPLE_RATE * 3] == bytes(SAMPLE_RATE)
