"""What the tracker shows and writes out: read models, the weekly report's lines and renderings,
calendar events, what the pages show, and the words of all of them in Dutch and English."""
