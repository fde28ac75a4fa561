"""Files into activities: formats (FIT, GPX, TCX, Strava CSV), 1 Hz streams, the streams codec, importing."""
