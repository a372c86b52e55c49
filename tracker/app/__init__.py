"""The processes: the `tracker` command and the web server that runs the app."""
