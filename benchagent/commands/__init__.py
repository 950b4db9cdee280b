"""The CLI's commands, one module per group; each module's `register(app)` adds its commands to the app in cli.py."""
