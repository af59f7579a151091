"""Admin retraining: NLU inbox, labels, export, background training, evaluation, gated deploy.

Modules (all blocking; the web layer runs them in worker threads):

* ``config``   — :class:`AdminConfig` from the settings plus ``<VAR_DIR>/admin.yml``
  (``confidence_threshold`` 0.6, ``deploy_margin`` 0.01, ``min_examples``, ``project_root``…).
* ``tracker``  — reads Rasa's SQL tracker store (``events`` table) and transcripts.
* ``inbox``    — :class:`Inbox`: low confidence, ``nlu_fallback``, before a handoff, before a
  1–2 rating, officer flags (``retraining_flags``); masked, deduplicated, filterable.
* ``labels``   — :class:`LabelCatalog` (domain intents + ``describe_matter/<id>``) and
  :class:`LabelStore` (label / noise / skip with who and when, audited).
* ``export``   — merges decisions into ``data/nlu/reviewed.yml`` (Rasa 3.1 YAML, stable order).
* ``insight``  — intents with few examples; confusions come from the last evaluation.
* ``jobs`` / ``runner`` — one background job at a time: export → ``rasa data validate`` →
  ``rasa train`` into ``var/models/candidates/<version>.tar.gz`` → evaluation of candidate
  and deployed model on the held-out set (``figures``) → registry.
* ``gate``     — no headline figure (intent macro-F1, scope accuracy after clarify,
  false-acceptance rate) may get worse by more than the margin; override needs a reason.
* ``registry`` / ``deploy`` — model registry, ``PUT /model`` hot swap on every Rasa
  server, rollback to any registered model.
* ``service``  — :class:`AdminService`, the façade used by ``cli`` (``python -m bot admin``)
  and ``web`` (pages under ``/console/admin/``; ``/admin`` redirects there).
"""
