"""Call recordings: indexing, conversion (pydub/ffmpeg off the event loop), retention, serving.

Filled by the recordings issue."""
