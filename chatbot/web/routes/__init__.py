"""The HTTP API, one ``APIRouter`` per resource. Each route maps HTTP to one ChatService call;
the service comes from the app through ``Depends(get_service)``."""
