"""The browser console: agent, supervisor and QA pages served by aiohttp.

Filled by the console issue."""
