"""The `sponsorwatch` command: one thin face over the agent library (scanner) and the server.

Each module here parses one command's arguments, calls the library, and renders; no command's logic lives here.
The server is imported only inside the commands that need it (serve, db, token), so the agent installs and
runs without Flask.
"""
