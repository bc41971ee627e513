"""HTTP layers under the openai client: response cache, recording and replay.

They sit beneath the real `openai` client and `instructor`, so cached,
recorded and replayed runs go through exactly the code a live run does.
"""
