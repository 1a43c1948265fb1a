"""The Gradio pages: the chat, the Sources tab, and the HTML they render."""
