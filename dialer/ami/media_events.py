"""Recording and listen-in events (MixMonitor, ChanSpy) for the AMI translator.

:class:`MediaEvents` is the part of :class:`~dialer.ami.translate.CallTranslator` that turns
``MixMonitorStart``/``Stop`` and ``ChanSpyStart``/``Stop`` into domain events; the translator
supplies the call lookup and the ids every event carries.
"""

from __future__ import annotations

from datetime import datetime

from dialer.ami.call_state import CallIds, CallState
from dialer.ami.protocol import AmiMessage
from dialer.events import (
    CallEvents,
    RecordingStarted,
    RecordingStopped,
    SpyStarted,
    SpyStopped,
)


class MediaEvents:
    def _call_of(self, message: AmiMessage, prefix: str = "") -> tuple[CallState, str]:
        raise NotImplementedError

    def _ids(self, call: CallState, uniqueid: str, channel: str | None, at: datetime) -> CallIds:
        raise NotImplementedError

    def _recording(
        self,
        kind: type[RecordingStarted] | type[RecordingStopped],
        call: CallState,
        uniqueid: str,
        channel: str,
        at: datetime,
    ) -> RecordingStarted | RecordingStopped:
        return kind(
            **self._ids(call, uniqueid, channel, at),
            file=call.recording_file.get(uniqueid),
            mixmonitor_id=call.recording_id.get(uniqueid),
        )

    def _mixmonitor_start(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        call, uniqueid = self._call_of(m)
        call.recording_on.add(uniqueid)
        return [self._recording(RecordingStarted, call, uniqueid, m.get("Channel") or "", at)]

    def _mixmonitor_stop(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        call, uniqueid = self._call_of(m)
        call.recording_on.discard(uniqueid)
        return [self._recording(RecordingStopped, call, uniqueid, m.get("Channel") or "", at)]

    def _spy(
        self, kind: type[SpyStarted] | type[SpyStopped], m: AmiMessage, at: datetime
    ) -> list[CallEvents]:
        call, uniqueid = self._call_of(m, "Spyee")
        return [
            kind(
                **self._ids(call, uniqueid, m.get("SpyeeChannel"), at),
                spyer_channel=m.get("SpyerChannel") or "",
                spyer_uniqueid=m.get("SpyerUniqueid") or "",
                spyer_linkedid=m.get("SpyerLinkedid") or "",
            )
        ]

    def _spy_start(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        return self._spy(SpyStarted, m, at)

    def _spy_stop(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        return self._spy(SpyStopped, m, at)
