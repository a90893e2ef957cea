"""The agent API: HTTP and a websocket over :class:`dialer.engine.desk.AgentDesk`.

Build it with :func:`agent_console.api.app.make_agent_api`; see ``README.md`` beside this file.
"""

from agent_console.api.app import make_agent_api

__all__ = ["make_agent_api"]
