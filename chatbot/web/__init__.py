"""The web app: FastAPI routes, the Gradio chat and library tab, the widget, and the guards."""
