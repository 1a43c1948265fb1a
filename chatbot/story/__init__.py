"""The story desk: a story's dated developments (timelines) over the same index, sentences and
citations as answers."""
