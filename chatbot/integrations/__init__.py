"""newsbot as a component of other frameworks (llama-index)."""
