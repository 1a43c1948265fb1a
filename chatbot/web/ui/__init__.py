"""The Gradio pages: the chat, the Library tab, and the HTML they render."""
