"""`usvmask review`: look through a mask set in the browser, most-likely-wrong first, and correct it.

- ``ranking``: the truth-free "likely wrong" score, filters and the estimated share needing fixing (arrays in);
- ``folder``: writes decisions into a corrections folder in the formats ``import_corrections`` reads;
- ``session``: the review state in memory (masks, versions, the version check) over one folder;
- ``app``: the JSON API and the static front end (``static/``, no build step) as a Flask app;
- ``cli``: the ``usvmask review`` command, its pipeline-checkout defaults and the localhost server.
"""
