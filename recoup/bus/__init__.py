"""The event bus: typed events in, subscribers and (optionally) MQTT out."""
