"""Office screens as load: `python -m bench.screens` drives N kiosk screens over Streamlit's websocket protocol."""
