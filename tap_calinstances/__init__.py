"""tap-calinstances: occurrences of recurring calendar events as Singer records."""
