"""AI video clips in the clip format: video backends, dance cycles as pose skeletons, clip folders, retiming."""
