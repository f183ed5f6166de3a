"""The "ask an expert" loop: a passed question becomes a ticket, the secretariat is told and
answers in the chat, the asker says whether it helped, and a good answer joins the library.

- ``settings``: where the secretariat is told and where answers are kept (no imports of the rest,
  so the handlers' context can hold it);
- ``passing``: ``/pass`` makes or reopens a ticket and tells the secretariat;
- ``answering``: ``/answer``, ``/close``, the Answer dialogue and the asker's thanks or "not what I
  needed";
- ``library``: an answer saved as a Q&A entry and added to the running index;
- ``overview``: ``/questions`` and ``hcbot admin questions``, with repeated questions grouped.
"""
